// What a shared backend (Redis on Node; KV / Durable Objects could follow on Workers) must do so
// that every pod's in-memory index holds the same entries: lookups always stay in-process.
import type { CachedAnswer, CacheKeyScope } from './types.ts';

export interface CacheEntry {
  id: string;
  key: CacheKeyScope;
  vector: Float32Array;
  answer: CachedAnswer;
  /** Wall-clock ms; 0 = never. */
  expiresAtMs: number;
  /** Its hits on every pod and the last one's time, as a load found them (lru / lfu): absent, used when put. */
  uses?: { hits: number; usedMs: number };
}

/** Hits on one entry since the last batch (or, sent as totals, all of them), the last one at usedMs (wall clock). */
export interface EntryUse {
  id: string;
  hits: number;
  usedMs: number;
}

export interface CacheBackendListener {
  /** Another pod stored an entry. */
  onAdd(entry: CacheEntry): void;
  /** Another pod evicted (or invalidated) entries. */
  onRemove(ids: string[]): void;
  /**
   * The connection came back after an outage: messages may have been missed. `fresh`: it is another
   * store than before (a Redis restarted without its data): what it lacks was not removed by anyone.
   */
  onReconnect(fresh?: boolean): void;
  /** Another pod's hits (lru / lfu evict by every pod's); `total`: counts to raise to, not to add. */
  onUse?(uses: EntryUse[], total: boolean): void;
}

export interface CacheBackend {
  /** Metric label, e.g. "redis". */
  readonly name: string;
  /** Every live entry (at start, and after a reconnect). */
  load(): Promise<CacheEntry[]>;
  subscribe(listener: CacheBackendListener): Promise<void>;
  publishAdd(entry: CacheEntry): Promise<void>;
  publishRemove(ids: string[]): Promise<void>;
  /**
   * Adds hits (`total`: raises them to these counts) to the entries the backend still holds, for the
   * pods loading later, and tells the other pods. Absent: each pod evicts by its own hits.
   */
  publishUses?(uses: EntryUse[], total: boolean): Promise<void>;
  /** True while the backend is reachable (local-only otherwise). */
  healthy(): boolean;
  /** It logs its own outages (lost, unreachable, not answering): the synced cache does not say them again. */
  readonly saysOutages?: boolean;
  close(): Promise<void>;
}
