// Whether a Worker's upstream request may have gone out on a kept-alive connection (issue #3). workerd's
// fetch does not say, and its error for a kept-alive connection the upstream closed as it was reused
// ("Network connection lost.") is the same as for one that read the request and dropped it (measured:
// test/worker/upstream-keepalive-race.test.ts, RST or FIN, read or not). Node knows the socket was
// reused (upstream-sockets.ts); the Worker keeps a tally per origin of the connections workerd holds
// idle: one goes back to its pool when an answer was read to its end (at once when it has no body: a
// 204, a 304, the answer to a HEAD; never when its body ends at the close), and leaves it when the next
// request takes it or after the pool's idle timeout (kj HttpClientSettings.idleTimeout, 5 s).
// Only a failure on a request that may have taken one is taken for the race, and not one whose body went
// out whole on a connection idle for far less than this upstream's idle close was seen crossing a reuse
// after (raceIdle below): that upstream read the request and dropped it.

/** kj's pool idle timeout plus a margin: past it, workerd has closed the connection itself. */
export const POOL_IDLE_MS = 6_000;

/**
 * A close that crossed the reuse comes back within a round trip of the send; later, the upstream had
 * the request for a while: taken as read, never sent again. Node's window (upstream-sockets.ts).
 */
export const STALE_WINDOW_MS = 1_000;

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
   * Per origin, the shortest idle time after which a reused connection lost a request before its body
   * went out whole: the upstream closed it unread, so its idle close is about that long (a reset for
   * another reason only lowers it, which leaves more to the re-send: the old rule). Node's closedIdle.
   */
  private readonly raceIdle = new Map<string, number>();

  /** A reused connection idle `idleMs` lost a request that surely did not go out whole. */
  raced(origin: string, idleMs: number): void {
    const old = this.raceIdle.get(origin);
    if (old !== undefined && old <= idleMs) return;
    if (old === undefined && this.raceIdle.size >= MAX_ORIGINS) this.raceIdle.clear();
    this.raceIdle.set(origin, idleMs);
  }

  /**
   * Whether a reused connection idle `idleMs` that lost a request after it went out whole was closed
   * for another reason than the upstream's idle close: idle for under half the idle time a crossing was
   * seen at, less the slack (timers and the round trip move the edge). Such a close followed the
   * upstream's read of the request (a drop): not sent again. Unknown until a crossing was seen.
   */
  readAndDropped(origin: string, idleMs: number): boolean {
    const race = this.raceIdle.get(origin);
    return race !== undefined && idleMs <= race / 2 - CLOCK_SLACK_MS;
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
