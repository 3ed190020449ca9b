// The hits an isolate sends the SemanticCacheStore under eviction_policy lru / lfu, so the object
// trims (and every isolate, pulling the totals, evicts) by all isolates' hits, not by each one's own:
// an entry one isolate served all day was the one another dropped, for every isolate. The lookup
// path only counts into a map; the request that saw a hit sends the batch on its back, kept alive
// with waitUntil, at most once a second per isolate. Not a background timer as on Node
// (src/cache/use-batch.ts): a Worker's timer set by a request that has ended may never fire.
import type { StoreUse } from './cache-store.ts';

export interface HitBatchOptions {
  /** Least time between two sends. */
  intervalMs: number;
  /** Entries whose hits wait at once; past it, hits on other entries are not sent. */
  maxEntries: number;
  /** Sends a batch; rejects when it failed (the batch is kept for the next). */
  send(uses: StoreUse[]): Promise<void>;
  /** False while the object is unreachable: hits wait for a request after it is back. */
  up(): boolean;
  waitUntil?: (p: Promise<unknown>) => void;
}

// Sends one request's waitUntil makes at most (hits that came during a send go one interval later,
// with no other request to take them); then the next request with a hit takes over.
const ROUNDS = 3;
// A run not settled in this long went with its request (cancelled): the next hit may start one.
const STALE_RUN_MS = 10_000;

export class HitBatch {
  private hits = new Map<string, { n: number; t: number }>();
  private lastSend = -Infinity;
  /** The run going (a token and when it started), and whether it is in its last send. */
  private running: { token: number; at: number } | undefined;
  private lastRound = false;
  private runs = 0;

  constructor(private readonly opts: HitBatchOptions) {}

  /** A hit at `t` (wall-clock ms). */
  note(id: string, t: number): void {
    const u = this.hits.get(id);
    if (u) {
      u.n++;
      u.t = Math.max(u.t, t);
    } else if (this.hits.size < this.opts.maxEntries) this.hits.set(id, { n: 1, t });
    this.kick();
  }

  /** Entries whose hits wait (tests). */
  get size(): number {
    return this.hits.size;
  }

  private kick(): void {
    const now = Date.now();
    // A hit during the run's last send would wait for the next hit: this request runs the next one
    // (it still waits out the interval since that send).
    if (this.running && !this.lastRound && now - this.running.at < STALE_RUN_MS) return;
    const token = ++this.runs;
    this.running = { token, at: now };
    this.lastRound = false;
    const p = this.run().finally(() => {
      if (this.running?.token === token) this.running = undefined;
    });
    try {
      this.opts.waitUntil?.(p);
    } catch {
      // Outside a request: the run simply goes on.
    }
  }

  private async run(): Promise<void> {
    const token = this.runs;
    for (let round = 0; round < ROUNDS && this.hits.size && this.opts.up(); round++) {
      const wait = this.lastSend + this.opts.intervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Another run started meanwhile (this one was in its last round): it sends.
      if (this.running?.token !== token) return;
      if (round === ROUNDS - 1) this.lastRound = true;
      const batch = this.hits;
      this.hits = new Map();
      this.lastSend = Date.now();
      try {
        await this.opts.send([...batch].map(([id, u]) => ({ id, hits: u.n, usedMs: u.t })));
      } catch {
        // Kept: a send that failed after the object applied it counts those hits twice (lfu), which
        // misorders less than losing them.
        for (const [id, u] of batch) {
          const now = this.hits.get(id);
          if (now) {
            now.n += u.n;
            now.t = Math.max(now.t, u.t);
          } else if (this.hits.size < this.opts.maxEntries) this.hits.set(id, u);
        }
        return;
      }
    }
  }
}
