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
}

export interface CacheBackend {
  /** Metric label, e.g. "redis". */
  readonly name: string;
  /** Every live entry (at start, and after a reconnect). */
  load(): Promise<CacheEntry[]>;
  subscribe(listener: CacheBackendListener): Promise<void>;
  publishAdd(entry: CacheEntry): Promise<void>;
  publishRemove(ids: string[]): Promise<void>;
  /** True while the backend is reachable (local-only otherwise). */
  healthy(): boolean;
  /** It logs its own outages (lost, unreachable, not answering): the synced cache does not say them again. */
  readonly saysOutages?: boolean;
  close(): Promise<void>;
}
