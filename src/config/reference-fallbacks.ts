// Reference config values semroute maps onto its own (vsr.md 1.1): values it has no implementation for
// but can serve another way (adapted before parsing, with a warning), and keys whose value, when
// unset, comes from another key (applied after parsing, from the raw document, since the schema's
// defaults hide whether a key was written).
import type { Config } from './schema.ts';

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function applyReferenceFallbacks(raw: Record<string, unknown>, config: Config): void {
  // semantic_cache.similarity_threshold: "optional; falls back to bert_model.threshold".
  const bertThreshold = obj(raw.bert_model)?.threshold;
  const cache = obj(raw.semantic_cache);
  if (config.semantic_cache && cache && cache.similarity_threshold === undefined && typeof bertThreshold === 'number' && bertThreshold >= 0 && bertThreshold <= 1) {
    config.semantic_cache.similarity_threshold = bertThreshold;
  }
  // auto_model_name (v0.1, top level): the name clients send for routing; its server also takes
  // "auto" for backward compatibility. semroute's routing.auto_model_names wins when written.
  const autoName = config.auto_model_name;
  if (autoName && obj(raw.routing)?.auto_model_names === undefined) config.routing.auto_model_names = [...new Set([autoName, 'auto'])];
}

/** The reference's vector-store cache backends; semroute serves them from its in-memory cache. */
const CACHE_BACKENDS_SERVED_IN_MEMORY = ['milvus', 'hybrid'];

/** Returns the document to parse (a shallow copy where something was adapted) and the warnings. */
export function adaptReferenceValues(raw: Record<string, unknown>): { raw: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = [];
  const cache = obj(raw.semantic_cache);
  const backend = cache?.backend_type;
  if (cache && typeof backend === 'string' && CACHE_BACKENDS_SERVED_IN_MEMORY.includes(backend)) {
    warnings.push(`semantic_cache.backend_type: "${backend}" is not implemented; using the in-memory cache (per process; backend_type: redis shares entries across pods)`);
    return { raw: { ...raw, semantic_cache: { ...cache, backend_type: 'memory' } }, warnings };
  }
  return { raw, warnings };
}
