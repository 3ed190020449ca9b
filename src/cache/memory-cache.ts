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
  metrics?: Metrics;
  /** Label for llm_cache_* metrics ("memory" | "redis"). */
  backendLabel?: string;
  /** Wall clock (ms) for TTLs. */
  now?: () => number;
  noSimd?: boolean;
}

export const partitionOf = (k: CacheKeyScope) => `${k.requestedModel}\u0000${k.scope}\u0000${k.context ?? ''}`;

const SWEEP_MS = 1000;

export class MemoryCache implements SemanticCache {
  private index: VectorIndex<{ key: CacheKeyScope; answer: CachedAnswer }> | undefined;
  private readonly now: () => number;
  private readonly label: string;
  private lastSweep = 0;
  /** Called with ids dropped by capacity eviction (expiry is not reported: every pod expires alike). */
  onEvict?: (ids: string[]) => void;

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

  async lookup(key: CacheKeyScope, vector: Float32Array, threshold: number, accept?: (answer: CachedAnswer) => boolean): Promise<CacheHit | undefined> {
    const t0 = performance.now();
    const now = this.now();
    this.sweep(now);
    const m = this.index && vector.length === this.index.dim ? this.index.search(partitionOf(key), vector, threshold, now, accept && ((v) => accept(v.answer))) : undefined;
    this.observe('lookup', t0, m ? 'hit' : 'miss');
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
    const evicted = this.index.insert(entry.id, partitionOf(entry.key), entry.vector, { key: entry.key, answer: entry.answer }, entry.expiresAtMs, now);
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

  remove(ids: string[]): void {
    let n = 0;
    for (const id of ids) if (this.index?.remove(id)) n++;
    if (n) this.showSize();
  }

  /** Live entries, for resync with a backend. */
  entries(): CacheEntry[] {
    if (!this.index) return [];
    const out: CacheEntry[] = [];
    for (const r of this.index.rows()) {
      out.push({ id: r.id, key: r.value.key, vector: r.vector, answer: r.value.answer, expiresAtMs: Number.isFinite(r.expiresAtMs) ? r.expiresAtMs : 0 });
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
    if (this.index.removeExpired(now).length) this.showSize();
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
