// The llm_cache_entries gauge after a config reload. The cache sets it on its own stores, so a reload
// that replaced the cache (changed semantic_cache settings) or turned it off left the old cache's
// count on /metrics: until the next store, or for good. And the old cache, still finishing the
// stores of requests in flight at the switch, set its own count again. So the gauge is redrawn from
// the serving cache at the switch and once more when the old cache is freed (its last store done).
import type { Registry } from '../../src/observability/registry.ts';
import type { SemanticCache } from '../../src/cache/types.ts';

/** The gauge as the serving cache (absent: no series) has it now. */
export function showServingCache(metrics: Registry, serving: SemanticCache | undefined): void {
  metrics.clear('llm_cache_entries_total');
  serving?.showSize?.();
}
