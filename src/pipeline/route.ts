// Step 4 of the request walk: pick the model. Only auto names (MoM, auto, vllm-sr/auto) are routed;
// an explicit model passes through unchanged.
import type { AppDeps } from '../deps.ts';
import { ATTR, withSpan } from '../observability/tracing.ts';
import type { PipelineContext, RoutingDecision } from './context.ts';
import { bestModelScore, indexCategories, isAutoModel, modelLabel, type CategoryIndex } from './categories.ts';
import { classificationText } from './texts.ts';
import { clientReasoning, effortNoneOff } from './rewrite.ts';
import { reasoningAsSent } from './reasoning-as-sent.ts';
import { entropyReasoning, type EntropyDecision } from './entropy.ts';
import { effortLabel } from '../observability/labels.ts';
import { errorName } from './done-taps.ts';

const indexes = new WeakMap<object, CategoryIndex>();
const reasoningMaps = new WeakMap<object, ReadonlyMap<string, boolean>>();
const classNames = new WeakMap<readonly string[], { config: object; names: string[] }>();

function categoryIndex(deps: AppDeps): CategoryIndex {
  let idx = indexes.get(deps.config);
  if (!idx) indexes.set(deps.config, (idx = indexCategories(deps.config)));
  return idx;
}

export function categoryThreshold(deps: AppDeps, packThreshold?: number): number {
  return deps.config.classifier.category_model?.threshold ?? packThreshold ?? 0.6;
}

function fallback(deps: AppDeps, reasonCode: RoutingDecision['reasonCode'], extra: Partial<RoutingDecision> = {}): RoutingDecision {
  return { routed: true, model: deps.config.default_model, reasoning: false, injectedSystemPrompt: false, reasonCode, ...extra };
}

/** Lowercased category name -> its first model_scores entry's use_reasoning (the reference's map). */
function reasoningMap(deps: AppDeps): ReadonlyMap<string, boolean> {
  let m = reasoningMaps.get(deps.config);
  if (!m) {
    const built = new Map<string, boolean>();
    for (const c of deps.config.categories) built.set(c.name.toLowerCase(), c.model_scores[0]?.use_reasoning ?? false);
    reasoningMaps.set(deps.config, (m = built));
  }
  return m;
}

/** Per class of the category pack, the configured category it maps to (lowercased), else the label. */
function categoryNamesOf(deps: AppDeps, labels: readonly string[]): string[] {
  const hit = classNames.get(labels);
  if (hit && hit.config === deps.config) return hit.names;
  const idx = categoryIndex(deps);
  const names = labels.map((l) => (idx.byLabel(l)?.name ?? l).toLowerCase());
  classNames.set(labels, { config: deps.config, names });
  return names;
}

function decideReasoning(deps: AppDeps, labels: readonly string[], probabilities: Float32Array, threshold: number): EntropyDecision {
  const d = entropyReasoning(probabilities, categoryNamesOf(deps, labels), reasoningMap(deps), threshold);
  deps.metrics.inc('llm_entropy_classification_decisions_total', {
    uncertainty_level: d.level, reasoning_enabled: String(d.useReasoning), decision_reason: d.reason, top_category: d.top[0]?.category ?? 'none',
  });
  return d;
}

const CLASSIFICATION_TIME = { timeAttr: ATTR.CLASSIFICATION_TIME_MS };

export async function decideRoute(deps: AppDeps, ctx: PipelineContext): Promise<RoutingDecision> {
  const { config } = deps;
  if (!isAutoModel(config, ctx.requestedModel)) {
    // Forwarded as sent (a boolean-word switch as its boolean): the header reports whether the model
    // thinks on it, its template's default included (Qwen3 thinks with no switch).
    const reasoning = reasoningAsSent(ctx.body, config, ctx.requestedModel);
    return { routed: false, model: ctx.requestedModel, reasoning, injectedSystemPrompt: false, reasonCode: 'model_specified' };
  }
  const classifier = config.routing.enabled ? deps.classifiers.sequence(config.packs.category) : undefined;
  const text = classificationText(ctx.texts);
  // Nothing classified (here and on a classifier failure): no decision on reasoning either, so the
  // client's own switch stands (the reference turned it off).
  if (!classifier || !text.trim()) return fallback(deps, 'no_category_default', clientReasoning(ctx.body, config, config.default_model));

  let result;
  const t0 = deps.clock.now();
  try {
    result = await withSpan('semantic_router.classification', { 'classifier.name': classifier.name, [ATTR.CLASSIFIER_TYPE]: 'category' }, () => classifier.classify(text), CLASSIFICATION_TIME);
  } catch (err) {
    // Fail open like the reference: a broken classifier must not take the gateway down.
    deps.metrics.inc('llm_request_errors_total', { model: config.default_model, reason: 'classification_failed' });
    // The error's name only: a featurizer's message may quote the text (as in guard.ts and pii.ts).
    deps.logger.warn({ request_id: ctx.requestId, err: errorName(err) }, 'category classification failed');
    return fallback(deps, 'no_category_default', clientReasoning(ctx.body, config, config.default_model));
  } finally {
    deps.metrics.observe('llm_classifier_latency_seconds', { classifier: 'category' }, (deps.clock.now() - t0) / 1000);
  }

  const seen = { classifierLabel: result.label, confidence: result.confidence };
  const category = categoryIndex(deps).byLabel(result.label);
  deps.metrics.observe('llm_classification_confidence', { category: category?.name ?? result.label, classification_method: 'traditional' }, result.confidence);
  const threshold = categoryThreshold(deps, classifier.threshold);
  // As the reference: the entropy decision also switches reasoning for the default model when the
  // classification is not confident enough to pick a category (a near-uniform one turns it on).
  const entropy = config.routing.reasoning_decision === 'entropy' ? decideReasoning(deps, classifier.labels, result.probabilities, threshold) : undefined;
  const defaultReasoning = entropy?.useReasoning
    ? { reasoning: true, reasoningEffort: config.default_reasoning_effort }
    : {};
  if (result.confidence < threshold) return fallback(deps, 'low_confidence_default', { ...seen, ...defaultReasoning });
  const best = category && bestModelScore(category);
  if (!category || !best) return fallback(deps, 'no_category_default', { ...seen, category: category?.name ?? result.label, ...defaultReasoning });
  deps.metrics.inc('llm_category_classifications_count', { category: category.name });
  const reasoning = entropy ? entropy.useReasoning : best.use_reasoning;
  // seen's two keys spelled out: a spread followed by properties costs 1-2 us on Node 20 (bench/object-spread.ts).
  return {
    routed: true,
    category: category.name,
    classifierLabel: seen.classifierLabel,
    confidence: seen.confidence,
    model: best.model,
    reasoning,
    reasoningEffort: reasoning ? (best.reasoning_effort ?? config.default_reasoning_effort) : undefined,
    injectedSystemPrompt: false,
    reasonCode: 'auto_routing',
  };
}

export async function routeStage(deps: AppDeps, ctx: PipelineContext): Promise<void> {
  const t0 = deps.clock.now();
  const decision = await withSpan('semantic_router.routing.decision', { 'request.model': modelLabel(deps.config, ctx.requestedModel) }, async (span) => {
    const d = await decideRoute(deps, ctx);
    // The reference's attribute names (vsr.md 4.2), so its dashboards and queries work on our traces.
    span.setAttributes({
      [ATTR.ROUTING_ORIGINAL_MODEL]: modelLabel(deps.config, ctx.requestedModel),
      [ATTR.ROUTING_SELECTED_MODEL]: modelLabel(deps.config, d.model),
      [ATTR.ROUTING_REASON]: d.reasonCode,
      // As the header and the metrics will say: effort none asks the model not to reason.
      [ATTR.REASONING_ENABLED]: d.reasoning && !effortNoneOff(deps.config, d),
      ...(d.category ? { [ATTR.CATEGORY_NAME]: d.category } : {}),
      ...(d.confidence !== undefined ? { [ATTR.CATEGORY_CONFIDENCE]: d.confidence } : {}),
      ...(d.reasoningEffort ? { [ATTR.REASONING_EFFORT]: effortLabel(d.reasoningEffort) } : {}),
    });
    return d;
  });
  ctx.decision = decision;
  if (decision.routed) deps.metrics.observe('llm_model_routing_latency_seconds', {}, (deps.clock.now() - t0) / 1000);
}
