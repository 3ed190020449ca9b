// Configured category -> best model, as the reference does it (vsr.md 1.1 step 5); the label ->
// category mapping lives in src/config/category-index.ts (re-exported here).
import type { Category, Config, ModelScore } from '../config/schema.ts';
import { knownModels } from '../observability/metrics.ts';

export { indexCategories, type CategoryIndex } from '../config/category-index.ts';

/** Highest score; ties keep the first entry. */
export function bestModelScore(cat: Category): ModelScore | undefined {
  let best: ModelScore | undefined;
  for (const ms of cat.model_scores) if (!best || ms.score > best.score) best = ms;
  return best;
}

export function isAutoModel(config: Config, model: string): boolean {
  return config.routing.auto_model_names.includes(model);
}

const knownByConfig = new WeakMap<object, Set<string>>();

/**
 * Label for a model in metrics, spans and logs: names the config knows as they are, anything a client
 * made up as "other" (bounded labels, and no client text). The known set is the metrics registry's,
 * so labels and span attributes agree; memoised per config object.
 */
export function modelLabel(config: Config, model: string): string {
  let known = knownByConfig.get(config);
  if (!known) {
    known = knownModels(config);
    knownByConfig.set(config, known);
  }
  return known.has(model) ? model : 'other';
}

