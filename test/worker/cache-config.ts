// The default config with the semantic cache on over the SemanticCacheStore Durable Object, for the
// workerd tests that drive the shared cache.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

// Built from the parsed default config, not by text substitution: the default documents every
// semantic_cache key, so spliced-in lines would duplicate keys.
export function cacheYaml(objectName: string, extra = ''): string {
  const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, Record<string, unknown>>;
  const current = doc.semantic_cache ?? {};
  doc.semantic_cache = {
    ...current,
    enabled: true,
    backend_type: 'durable_object',
    ...((extra ? parseYaml(extra) : {}) as Record<string, unknown>),
    // load_timeout_ms: these tests check what is shared, not the bounded first load; on a loaded
    // machine a new isolate's first load took longer than the 2 s default, so it started empty and
    // its first lookup missed (seen in CI as x-vsr-cache-hit null).
    durable_object: { ...(current.durable_object as object), object_name: objectName, poll_interval_ms: 0, load_timeout_ms: 60_000 },
  };
  return stringifyYaml(doc);
}
