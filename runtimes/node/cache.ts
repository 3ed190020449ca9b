// Builds the semantic cache for a Node pod: the in-memory index, synced through Redis when
// `semantic_cache.backend_type: redis`. Start-up never fails on Redis: it serves local-only and
// keeps reconnecting.
import type { SemanticCache } from '../../src/cache/types.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { MemoryCache } from '../../src/cache/memory-cache.ts';
import { SyncedCache } from '../../src/cache/synced-cache.ts';
import { RedisBackend } from './redis-backend.ts';
import { redisUrl } from './redis-url.ts';

export async function createNodeCache(config: Config, logger: Logger, metrics: Metrics): Promise<SemanticCache | undefined> {
  const cfg = config.semantic_cache;
  if (!cfg?.enabled) return undefined;
  // A Durable Object lives only inside Cloudflare: a config written for the Worker still serves on
  // Node, from this pod's memory, and says so (as the Worker does for redis).
  const unreachable = cfg.backend_type === 'durable_object';
  if (unreachable) {
    logger.warn({ backend: 'durable_object' }, 'semantic cache: Node pods cannot use a Durable Object; use backend_type redis to share it. Serving the in-memory cache only');
  }
  const local = new MemoryCache({
    dimensions: cfg.dimensions,
    maxEntries: cfg.max_entries,
    maxBytes: cfg.max_memory_mb * 2 ** 20,
    eviction: cfg.eviction_policy,
    ttlSeconds: cfg.ttl_seconds,
    metrics,
    backendLabel: unreachable ? 'memory' : cfg.backend_type,
  });
  if (cfg.backend_type !== 'redis') return local;
  const backend = new RedisBackend({
    url: redisUrl(cfg.redis), keyPrefix: cfg.redis.key_prefix, connectTimeoutMs: cfg.redis.connect_timeout_ms, logger, metrics,
  });
  const synced = new SyncedCache(local, backend, logger, metrics);
  if (await backend.connect()) await synced.start();
  else void synced.start();
  logger.info({ backend: 'redis', entries: synced.size(), connected: backend.healthy() }, 'semantic cache ready');
  return synced;
}
