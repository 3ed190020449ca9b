// The hits a pod counts between two sends to a shared backend (lru / lfu evict by every pod's hits,
// synced-cache.ts). The lookup path only counts into a map; a timer sends the batch a second later
// (one send per second however many hits), and a failed or impossible send keeps it, bounded, for
// the next one.
import type { EntryUse } from './backend.ts';

export interface UseBatchOptions {
  /** Delay from the first hit of a batch to its send. */
  flushMs: number;
  /** Entries whose hits wait at once; past it, hits on other entries count on this pod only. */
  maxEntries: number;
  /** Sends a batch; false when it failed (it is kept for the next send). */
  send(uses: EntryUse[]): Promise<boolean>;
  /** False while the backend is away: the batch waits for ready(). */
  up(): boolean;
}

export class UseBatch {
  private uses = new Map<string, { n: number; t: number }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly opts: UseBatchOptions) {}

  /** A hit at `t` (wall-clock ms): counted for the next send, nothing else on the lookup path. */
  note(id: string, t: number): void {
    const u = this.uses.get(id);
    if (u) {
      u.n++;
      u.t = t;
    } else if (this.uses.size < this.opts.maxEntries) this.uses.set(id, { n: 1, t });
    if (!this.timer) this.schedule();
  }

  /** The entry is gone: its hits would serve nobody. */
  forget(id: string): void {
    this.uses.delete(id);
  }

  /** Drops what waits (it was sent another way: the totals given to a restarted backend). */
  clear(): void {
    this.uses.clear();
  }

  /** The backend is reachable again: send what waited. */
  ready(): void {
    if (this.uses.size) this.schedule();
  }

  /** Entries whose hits wait (diagnostics, tests). */
  get size(): number {
    return this.uses.size;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.opts.flushMs);
    // Node: a batch waiting must not keep the process alive (Workers' timers have no unref).
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    if (this.closed || !this.uses.size || !this.opts.up()) return;
    const batch = this.uses;
    this.uses = new Map();
    const list: EntryUse[] = [];
    for (const [id, u] of batch) list.push({ id, hits: u.n, usedMs: u.t });
    if (await this.opts.send(list)) return;
    // Kept: a send that failed after the backend applied it counts those hits twice (lfu), which
    // misorders less than losing them.
    for (const [id, u] of batch) {
      const now = this.uses.get(id);
      if (now) {
        now.n += u.n;
        now.t = Math.max(now.t, u.t);
      } else if (this.uses.size < this.opts.maxEntries) this.uses.set(id, u);
    }
    if (this.opts.up()) this.schedule();
  }
}
