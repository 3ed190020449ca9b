// Reference keys whose value, when unset, comes from another key (vsr.md 1.1). They are applied to the
// parsed config from the raw document, since the schema's defaults hide whether a key was written.
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
}
