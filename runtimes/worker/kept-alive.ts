// Whether a Worker's upstream request may have gone out on a kept-alive connection (issue #3). workerd's
// fetch does not say, and its error for a kept-alive connection the upstream closed as it was reused
// ("Network connection lost.") is the same as for one that read the request and dropped it (measured:
// test/worker/upstream-keepalive-race.test.ts, RST or FIN, read or not). Node knows the socket was
// reused (upstream-sockets.ts); the Worker keeps a tally per origin of the connections workerd holds
// idle: one goes back to its pool when an answer was read to its end (at once when it has no body: a
// 204, a 304, the answer to a HEAD), and leaves it when the next request takes it or after the pool's
// idle timeout (kj HttpClientSettings.idleTimeout, 5 s).
// Only a failure on a request that may have taken one is taken for the race.

/** kj's pool idle timeout plus a margin: past it, workerd has closed the connection itself. */
export const POOL_IDLE_MS = 6_000;

/**
 * A close that crossed the reuse comes back within a round trip of the send; later, the upstream had
 * the request for a while: taken as read, never sent again. Node's window (upstream-sockets.ts).
 */
export const STALE_WINDOW_MS = 1_000;

/** More idle connections than this per origin are not counted (workerd's pool is not unbounded either). */
const MAX_TRACKED = 1_024;

export class KeptAlive {
  /** Per origin, when each connection went idle, oldest first. */
  private readonly idle = new Map<string, number[]>();

  /** An answer from `origin` was read to its end (or had none): its connection is back in workerd's pool. */
  released(origin: string, now = Date.now()): void {
    let list = this.idle.get(origin);
    if (!list) this.idle.set(origin, (list = []));
    this.prune(list, now);
    if (list.length < MAX_TRACKED) list.push(now);
  }

  /** A request to `origin` starts: whether it may take a pooled connection (that one is counted taken). */
  take(origin: string, now = Date.now()): boolean {
    const list = this.idle.get(origin);
    if (!list) return false;
    this.prune(list, now);
    const had = list.pop() !== undefined;
    if (!list.length) this.idle.delete(origin);
    return had;
  }

  private prune(list: number[], now: number): void {
    let n = 0;
    while (n < list.length && now - list[n]! > POOL_IDLE_MS) n++;
    if (n) list.splice(0, n);
  }
}
