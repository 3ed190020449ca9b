// Builds the semantic cache for a Node pod: the in-memory index, synced through Redis when
// `semantic_cache.backend_type: redis`. Start-up never fails on Redis: it serves local-only and
// keeps reconnecting.
import type { SemanticCache } from '../../src/cache/types.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { MemoryCache } from '../../src/cache/memory-cache.ts';
import { SyncedCache } from '../../src/cache/synced-cache.ts';
import { RedisBackend } from './redis-backend.ts';

export async function createNodeCache(config: Config, logger: Logger, metrics: Metrics): Promise<SemanticCache | undefined> {
  const cfg = config.semantic_cache;
  if (!cfg?.enabled) return undefined;
  const local = new MemoryCache({
    dimensions: cfg.dimensions,
    maxEntries: cfg.max_entries,
    eviction: cfg.eviction_policy,
    ttlSeconds: cfg.ttl_seconds,
    metrics,
    backendLabel: cfg.backend_type,
  });
  if (cfg.backend_type !== 'redis') return local;
  const backend = new RedisBackend({
    url: cfg.redis.url, keyPrefix: cfg.redis.key_prefix, connectTimeoutMs: cfg.redis.connect_timeout_ms, logger, metrics,
  });
  const synced = new SyncedCache(local, backend, logger, metrics);
  if (await backend.connect()) await synced.start();
  else void synced.start();
  logger.info({ backend: 'redis', entries: synced.size(), connected: backend.healthy() }, 'semantic cache ready');
  return synced;
}
