// The byte bound of a Worker isolate's semantic cache. semantic_cache.max_memory_mb defaults to 256
// (a Node pod's budget), above the 128 MB a Cloudflare Worker isolate has for everything: the
// classifier packs, ONNX Runtime's wasm heap and the requests in flight share it. A bound the
// isolate cannot reach does not protect it, and a cache that fills it gets the isolate killed
// (every request in it fails), so the Worker holds the cache to WORKER_CACHE_MAX_MB.
import type { Logger } from '../../src/observability/types.ts';

/** Room for the cache inside a 128 MB isolate, beside ~20 MiB of packs loaded and ORT's heap. */
export const WORKER_CACHE_MAX_MB = 32;

/** semantic_cache.max_memory_mb's default (src/config/sections/cache.ts). */
const NODE_DEFAULT_MB = 256;

/** max_memory_mb as a Worker applies it, in bytes: a larger value, or 0 (no byte bound), is capped. */
export function workerCacheMaxBytes(configuredMb: number, logger?: Logger): number {
  if (configuredMb > 0 && configuredMb <= WORKER_CACHE_MAX_MB) return configuredMb * 2 ** 20;
  // The default (256, written out in the bundled config too) is the Node figure: no operator asked
  // for it, so no warning every isolate start.
  const log = configuredMb === NODE_DEFAULT_MB ? logger?.info : logger?.warn;
  log?.call(logger, { max_memory_mb: configuredMb, applied_mb: WORKER_CACHE_MAX_MB }, 'semantic cache: max_memory_mb is above what a Worker isolate (128 MB) can hold; the cache is bounded at the Worker cap');
  return WORKER_CACHE_MAX_MB * 2 ** 20;
}
