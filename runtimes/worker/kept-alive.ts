// Whether a Worker's upstream request may have gone out on a kept-alive connection (issue #3). workerd's
// fetch does not say, and its error for a kept-alive connection the upstream closed as it was reused
// ("Network connection lost.") is the same as for one that read the request and dropped it (measured:
// test/worker/upstream-keepalive-race.test.ts, RST or FIN, read or not). Node knows the socket was
// reused (upstream-sockets.ts); the Worker keeps a tally per origin of the connections workerd holds
// idle: one goes back to its pool when an answer was read to its end (at once when it has no body: a
// 204, a 304, the answer to a HEAD; never when its body ends at the close), and leaves it when the next
// request takes it or after the pool's idle timeout (kj HttpClientSettings.idleTimeout, 5 s).
// Only a failure on a request that may have taken one is taken for the race, and only one whose body did
// not go out whole: one that went out whole may have been read (a drop), and a chat completion sent
// twice runs its generation twice. So that the race still fails before that, a body going out on a
// connection that may be a kept-alive one near this upstream's idle close waits REUSE_HOLD_MS after its
// first bytes (sent-body.ts hold): an idle close that crossed the reuse resets the connection within a
// round trip of them, the rest unsent. The hold is latency (the upstream answers once the body is
// whole), so it is kept to where a crossing can be: not under REUSE_FLOOR_MS of idle until a failure
// was seen there (surelyOpen).

/** kj's pool idle timeout plus a margin: past it, workerd has closed the connection itself. */
export const POOL_IDLE_MS = 6_000;

/**
 * A close that crossed the reuse comes back within a round trip of the send; later, the upstream had
 * the request for a while: taken as read, never sent again. Node's window (upstream-sockets.ts).
 */
export const STALE_WINDOW_MS = 1_000;

/**
 * How long a body on a connection that may be a kept-alive one waits after its first bytes: longer than
 * an idle close crossing the reuse takes to fail it. A round trip, plus the time workerd takes to hand the
 * failure over under load (a forced race was seen failing 188 ms after its body went out, on a loaded
 * 2-core box). A failure later than that, with the body gone out whole, is a drop: 502, never sent twice.
 */
export const REUSE_HOLD_MS = 250;

/**
 * Idle time (ms) under which a reused connection is taken as open until a failure on a reused connection
 * was seen there: steady traffic reuses connections idle a few ms and must not wait (measured: +250 ms
 * on each request, runtimes/worker/README.md). Real upstreams idle-close after seconds (gunicorn 2 s,
 * Node, uvicorn (vLLM, SGLang, the Production Stack router) and Apache 5 s, nginx 75 s, Envoy 1 h); kj's
 * pool closes its own idle connections after 5 s. One that idle-closes under it gets a 502
 * upstream_connection_closed for its first crossing whose body went out whole; that failure is learned
 * (raced) and the reuses after it are held.
 */
export const REUSE_FLOOR_MS = 1_000;

/**
 * Answered reuses after this much idle time or more teach nothing: a request after kj closed an idle
 * connection (5 s), or after the upstream did (Node's and uvicorn's 5 s), went out on a fresh one the
 * tally counts as a reuse, and its answer would mark an idle time the upstream does not keep.
 */
export const ANSWERED_CAP_MS = 4_000;

/** More idle connections than this per origin are not counted (workerd's pool is not unbounded either). */
const MAX_TRACKED = 1_024;
/** Origins are the config's endpoints; bounded all the same. */
const MAX_ORIGINS = 1_024;
/** How far apart load can put the tally's idle clock and the upstream's (ms): Node's CLOCK_SLACK_MS. */
const CLOCK_SLACK_MS = 25;

export class KeptAlive {
  /** Per origin, when each connection went idle, oldest first. */
  private readonly idle = new Map<string, number[]>();
  /**
   * Per origin, the shortest idle time after which a reused connection lost a request within
   * STALE_WINDOW_MS, before its body went out whole (the upstream closed it unread) or after it went out
   * whole without a hold (a crossing or a drop, told apart by nothing): its idle close may be about that
   * long. Forgotten once a reuse after twice that idle was answered (answered): a reset for another
   * reason (a drop, a proxy refusing a body) does not hold the bodies after it for good. Node's closedIdle.
   */
  private readonly raceIdle = new Map<string, number>();
  /**
   * Per origin, the longest idle time after which a request that may have reused a connection was
   * answered, under ANSWERED_CAP_MS: its idle close is later (Node's answeredIdle). The tally may be
   * wrong (kj dropped an idle connection it saw closed, and the request went out on a fresh one): then a
   * body that should have waited does not, and a crossing may fail it whole: a 502, never a request
   * sent twice.
   */
  private readonly answeredIdle = new Map<string, number>();

  /** A reused connection idle `idleMs` lost a request: unread, or whole with no hold (raceIdle). */
  raced(origin: string, idleMs: number): void {
    const old = this.raceIdle.get(origin);
    if (old !== undefined && old <= idleMs) return;
    if (old === undefined && this.raceIdle.size >= MAX_ORIGINS) this.raceIdle.clear();
    this.raceIdle.set(origin, idleMs);
  }

  /** A request that may have reused a connection idle `idleMs` got an answer. */
  answered(origin: string, idleMs: number): void {
    if (idleMs >= ANSWERED_CAP_MS) return;
    const race = this.raceIdle.get(origin);
    if (race !== undefined && idleMs >= 2 * race + CLOCK_SLACK_MS) this.raceIdle.delete(origin);
    const old = this.answeredIdle.get(origin);
    if (old !== undefined && old >= idleMs) return;
    if (old === undefined && this.answeredIdle.size >= MAX_ORIGINS) this.answeredIdle.clear();
    this.answeredIdle.set(origin, idleMs);
  }

  /**
   * Whether a reused connection idle `idleMs` cannot be meeting the upstream's idle close, so that its
   * body need not wait (REUSE_HOLD_MS): idle for under half the idle time a failure was seen at, less the
   * slack (timers and the round trip move the edge); none seen, under REUSE_FLOOR_MS, or up to the
   * longest idle time a reuse was answered after (the upstream kept one open that long): traffic pacing
   * its requests a few seconds apart waits when its idle time is the longest yet, not on every request
   * (with the slack, a jitter under it held nearly every one). A crossing there needs an idle close
   * within the clocks' slack above that answer: a 502, never a request sent twice.
   */
  surelyOpen(origin: string, idleMs: number): boolean {
    const race = this.raceIdle.get(origin);
    if (race !== undefined) return idleMs <= race / 2 - CLOCK_SLACK_MS;
    if (idleMs < REUSE_FLOOR_MS) return true;
    const answered = this.answeredIdle.get(origin);
    return answered !== undefined && idleMs <= answered;
  }

  /** An answer from `origin` was read to its end (or had none): its connection is back in workerd's pool. */
  released(origin: string, now = Date.now()): void {
    let list = this.idle.get(origin);
    if (!list) this.idle.set(origin, (list = []));
    this.prune(list, now);
    if (list.length < MAX_TRACKED) list.push(now);
  }

  /**
   * A request to `origin` starts: how long the pooled connection it may take has been idle (ms; that
   * one is counted taken), undefined when none. workerd's pool hands out the latest idle one (kj's
   * NetworkAddressHttpClient takes the back of its list), as this takes the latest.
   */
  take(origin: string, now = Date.now()): number | undefined {
    const list = this.idle.get(origin);
    if (!list) return undefined;
    this.prune(list, now);
    const since = list.pop();
    if (!list.length) this.idle.delete(origin);
    return since === undefined ? undefined : now - since;
  }

  private prune(list: number[], now: number): void {
    let n = 0;
    while (n < list.length && now - list[n]! > POOL_IDLE_MS) n++;
    if (n) list.splice(0, n);
  }
}
