// SemanticCache over the in-process vector index: partitions, TTL, eviction, metrics. The synced
// cache (synced-cache.ts) wraps it to share entries through a backend.
import type { Metrics } from '../observability/types.ts';
import type { CacheEntry } from './backend.ts';
import type { CachedAnswer, CacheHit, CacheKeyScope, SemanticCache } from './types.ts';
import { VectorIndex, type EvictionPolicy } from './vector-index.ts';

export interface MemoryCacheOptions {
  /** Preallocation hint; the first vector's length wins when it differs and the index is empty. */
  dimensions?: number;
  maxEntries: number;
  eviction: EvictionPolicy;
  /** 0 = no expiry. */
  ttlSeconds: number;
  /** Bound on the entries' estimated size (entryBytes); 0 or unset = entries only. */
  maxBytes?: number;
  metrics?: Metrics;
  /** Label for llm_cache_* metrics ("memory" | "redis"). */
  backendLabel?: string;
  /** Wall clock (ms) for TTLs. */
  now?: () => number;
  noSimd?: boolean;
}

export const partitionOf = (k: CacheKeyScope) => `${k.requestedModel}\u0000${k.scope}\u0000${k.context ?? ''}`;

const SWEEP_MS = 1000;

/**
 * Heap bytes per value of a question's signature (word-order.ts): hashes past the small-integer range
 * are stored as doubles, plus the arrays' headers (20,000 signatures of a 47-word question held 1,633
 * bytes each for their 99 values, node --expose-gc, heapUsed after gc).
 */
const SIGNATURE_VALUE_BYTES = 17;
const SIGNATURES = ['order', 'numbers', 'names', 'marks', 'poles', 'stems'] as const;

/**
 * An entry's estimated heap size, an upper one: its texts at 2 bytes a character (what V8 needs for
 * text outside Latin-1; English answers of 2,000 recorded events held 60% of the estimate,
 * bench/cache-memory.ts), plus the vector's float32 and int8 copies and its question's signature
 * (up to 2 x 48 word hashes: as much as a short answer).
 */
export function entryBytes(e: CacheEntry): number {
  let chars = JSON.stringify(e.answer.completion)?.length ?? 0;
  for (const ev of e.answer.sse ?? []) chars += ev.length + 16;
  let values = 0;
  for (const k of SIGNATURES) values += e.answer[k]?.length ?? 0;
  return 2 * chars + e.vector.length * 5 + values * SIGNATURE_VALUE_BYTES + 256;
}

export class MemoryCache implements SemanticCache {
  private index: VectorIndex<{ key: CacheKeyScope; answer: CachedAnswer }> | undefined;
  private readonly now: () => number;
  private readonly label: string;
  private lastSweep = 0;
  /** Estimated size per entry id and their sum, kept only under maxBytes. */
  private readonly bytes = new Map<string, number>();
  private totalBytes = 0;
  /** Called with ids dropped by capacity eviction (expiry is not reported: every pod expires alike). */
  onEvict?: (ids: string[]) => void;
  /** Called with each hit (lru / lfu: the synced cache shares them so every pod evicts by all hits). */
  onHit?: (id: string, nowMs: number) => void;

  constructor(private readonly opts: MemoryCacheOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.label = opts.backendLabel ?? 'memory';
    if (opts.dimensions) this.index = this.newIndex(opts.dimensions);
  }

  size(): number {
    return this.index?.size ?? 0;
  }

  get dimensions(): number | undefined {
    return this.index?.dim;
  }

  get eviction(): EvictionPolicy {
    return this.opts.eviction;
  }

  async lookup(key: CacheKeyScope, vector: Float32Array, threshold: number, accept?: (answer: CachedAnswer) => boolean): Promise<CacheHit | undefined> {
    const t0 = performance.now();
    const now = this.now();
    this.sweep(now);
    const m = this.index && vector.length === this.index.dim ? this.index.search(partitionOf(key), vector, threshold, now, accept && ((v) => accept(v.answer))) : undefined;
    this.observe('lookup', t0, m ? 'hit' : 'miss');
    if (m) this.onHit?.(m.id, now);
    return m ? { answer: m.value.answer, similarity: m.similarity, id: m.id } : undefined;
  }

  async store(key: CacheKeyScope, vector: Float32Array, answer: CachedAnswer): Promise<void> {
    this.put(this.newEntry(key, vector, answer));
  }

  newEntry(key: CacheKeyScope, vector: Float32Array, answer: CachedAnswer): CacheEntry {
    const ttl = this.opts.ttlSeconds;
    return { id: globalThis.crypto.randomUUID(), key, vector, answer, expiresAtMs: ttl > 0 ? this.now() + ttl * 1000 : 0 };
  }

  /** Inserts (or replaces) an entry; returns ids evicted for room. Expired or mis-sized entries are ignored. */
  put(entry: CacheEntry): string[] {
    const t0 = performance.now();
    const now = this.now();
    if (entry.expiresAtMs > 0 && entry.expiresAtMs <= now) return [];
    if (!this.index || (this.index.size === 0 && this.index.dim !== entry.vector.length)) this.index = this.newIndex(entry.vector.length);
    if (entry.vector.length !== this.index.dim) {
      this.observe('store', t0, 'error');
      return [];
    }
    const evicted = this.makeRoom(entry);
    if (!evicted) {
      this.observe('store', t0, 'error');
      return [];
    }
    evicted.push(...this.index.insert(entry.id, partitionOf(entry.key), entry.vector, { key: entry.key, answer: entry.answer }, entry.expiresAtMs, now, entry.uses));
    this.forget(evicted);
    this.observe('store', t0, 'success');
    if (evicted.length) {
      this.opts.metrics?.inc('llm_cache_evictions_total', { backend: this.label }, evicted.length);
      this.onEvict?.(evicted);
    }
    return evicted;
  }

  has(id: string): boolean {
    return this.index?.has(id) ?? false;
  }

  /** Hits another pod saw (VectorIndex.use). */
  use(id: string, hits: number, usedMs: number, total = false): void {
    this.index?.use(id, hits, usedMs, total);
  }

  remove(ids: string[]): void {
    let n = 0;
    for (const id of ids) if (this.index?.remove(id)) n++;
    this.forget(ids);
    if (n) this.showSize();
  }

  /**
   * Under maxBytes: evicts (by the policy) until the entry fits, before it is inserted (so lfu never
   * takes the newcomer for its victim); the ids evicted, or undefined for an entry larger than the
   * whole bound (not stored).
   */
  private makeRoom(entry: CacheEntry): string[] | undefined {
    const max = this.opts.maxBytes;
    if (!max || !this.index) return [];
    const size = entryBytes(entry);
    if (size > max) return undefined;
    // A replaced entry (the same id again) gives its room back first.
    if (this.index.remove(entry.id)) this.forget([entry.id]);
    const evicted: string[] = [];
    while (this.totalBytes + size > max) {
      const id = this.index.evictOne();
      if (id === undefined) break;
      evicted.push(id);
      this.forget([id]);
    }
    this.bytes.set(entry.id, size);
    this.totalBytes += size;
    return evicted;
  }

  private forget(ids: readonly string[]): void {
    if (!this.opts.maxBytes) return;
    for (const id of ids) {
      const b = this.bytes.get(id);
      if (b === undefined) continue;
      this.totalBytes -= b;
      this.bytes.delete(id);
    }
  }

  /** Live entries, for resync with a backend. */
  entries(): CacheEntry[] {
    if (!this.index) return [];
    const out: CacheEntry[] = [];
    for (const r of this.index.rows()) {
      out.push({
        id: r.id, key: r.value.key, vector: r.vector, answer: r.value.answer, expiresAtMs: Number.isFinite(r.expiresAtMs) ? r.expiresAtMs : 0,
        uses: { hits: r.hits, usedMs: r.usedMs },
      });
    }
    return out;
  }

  async close(): Promise<void> {}

  private newIndex(dim: number) {
    return new VectorIndex<{ key: CacheKeyScope; answer: CachedAnswer }>({
      dimensions: dim, maxEntries: this.opts.maxEntries, eviction: this.opts.eviction, noSimd: this.opts.noSimd,
    });
  }

  private sweep(now: number): void {
    if (!this.index || now - this.lastSweep < SWEEP_MS) return;
    this.lastSweep = now;
    const gone = this.index.removeExpired(now);
    this.forget(gone);
    if (gone.length) this.showSize();
  }

  private observe(operation: string, t0: number, status: string): void {
    const m = this.opts.metrics;
    if (!m) return;
    m.observe('llm_cache_operation_duration_seconds', { backend: this.label, operation }, (performance.now() - t0) / 1000);
    m.inc('llm_cache_operations_total', { backend: this.label, operation, status });
    if (operation === 'store') this.showSize();
  }

  showSize(): void {
    this.opts.metrics?.set('llm_cache_entries_total', { backend: this.label }, this.size());
  }
}
