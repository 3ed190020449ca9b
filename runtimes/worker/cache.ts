// The semantic cache of a Worker isolate: the in-isolate index, shared with other isolates through
// the SemanticCacheStore Durable Object when `semantic_cache.backend_type: durable_object`. Start-up
// never fails on the object: a missing binding or an unreachable object serves local-only.
import type { CacheHit, CacheKeyScope, CachedAnswer, SemanticCache } from '../../src/cache/types.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { MemoryCache } from '../../src/cache/memory-cache.ts';
import { SyncedCache } from '../../src/cache/synced-cache.ts';
import { DurableObjectCacheBackend, type CacheStoreNamespace } from './do-cache-backend.ts';
import { workerCacheMaxBytes } from './cache-bound.ts';

/** SyncedCache whose lookups also start the periodic pull of other isolates' changes. */
export class PulledCache implements SemanticCache {
  constructor(readonly synced: SyncedCache, readonly backend: DurableObjectCacheBackend) {}

  async lookup(key: CacheKeyScope, vector: Float32Array, threshold: number, accept?: (answer: CachedAnswer) => boolean): Promise<CacheHit | undefined> {
    // Not awaited: the lookup stays in-isolate; what the pull brings serves the following requests.
    void this.backend.pull();
    const hit = await this.synced.lookup(key, vector, threshold, accept);
    // lru / lfu: counted for the object (and so every isolate), sent in a batch after the response.
    if (hit) this.backend.noteHit(hit.id, Date.now());
    return hit;
  }

  store(key: CacheKeyScope, vector: Float32Array, answer: CachedAnswer): Promise<void> {
    return this.synced.store(key, vector, answer);
  }

  size(): number {
    return this.synced.size();
  }

  close(): Promise<void> {
    return this.synced.close();
  }
}

export interface WorkerCacheOptions {
  /** The Worker's env, where the Durable Object namespace binding is looked up by name. */
  bindings: Record<string, unknown>;
  logger: Logger;
  metrics?: Metrics;
  waitUntil?: (p: Promise<unknown>) => void;
}

export async function createWorkerCache(config: Config, opts: WorkerCacheOptions): Promise<SemanticCache | undefined> {
  const cfg = config.semantic_cache;
  if (!cfg?.enabled) return undefined;
  const { logger, metrics } = opts;
  // Workers forbid compiling wasm at run time, so the index's SIMD kernel is unavailable and it
  // takes its plain-JS filter (same results; see src/cache/simd-kernel.ts).
  const maxBytes = workerCacheMaxBytes(cfg.max_memory_mb, logger);
  const local = (label: string) => new MemoryCache({
    dimensions: cfg.dimensions, maxEntries: cfg.max_entries, maxBytes, eviction: cfg.eviction_policy, ttlSeconds: cfg.ttl_seconds, metrics, backendLabel: label,
  });
  if (cfg.backend_type === 'redis') {
    logger.warn({ backend: 'redis' }, 'semantic cache: Workers cannot use Redis; use backend_type durable_object. Serving the in-isolate cache only');
  }
  if (cfg.backend_type !== 'durable_object') return local('memory');
  const d = cfg.durable_object;
  const ns = opts.bindings[d.binding] as CacheStoreNamespace | undefined;
  if (!ns || typeof ns.idFromName !== 'function' || typeof ns.get !== 'function') {
    logger.warn({ backend: 'durable_object', binding: d.binding }, 'semantic cache: no Durable Object namespace bound under this name (wrangler.jsonc durable_objects); serving the in-isolate cache only');
    metrics?.inc('llm_cache_backend_errors_total', { backend: 'durable_object', operation: 'connection' });
    return local('memory');
  }
  const backend = new DurableObjectCacheBackend({
    namespace: ns, objectName: d.object_name, maxEntries: cfg.max_entries, eviction: cfg.eviction_policy, pollIntervalMs: d.poll_interval_ms, logger, metrics, waitUntil: opts.waitUntil,
  });
  const synced = new SyncedCache(local('durable_object'), backend, logger, metrics);
  // The first load is bounded: a slow object must not hold the isolate's first request; the load
  // goes on in the background and its entries arrive when it ends.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loaded = await Promise.race([
    synced.start().then(() => true),
    new Promise<boolean>((r) => { timer = setTimeout(() => r(false), d.load_timeout_ms); }),
  ]);
  clearTimeout(timer);
  logger.info({ backend: 'durable_object', object: d.object_name, entries: synced.size(), loaded, reachable: backend.healthy() }, 'semantic cache ready');
  return new PulledCache(synced, backend);
}
