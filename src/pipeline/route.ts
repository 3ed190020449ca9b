// Step 4 of the request walk: pick the model. Only auto names (MoM, auto, vllm-sr/auto) are routed;
// an explicit model passes through unchanged.
import type { AppDeps } from '../deps.ts';
import { withSpan } from '../observability/tracing.ts';
import type { PipelineContext, RoutingDecision } from './context.ts';
import { bestModelScore, indexCategories, isAutoModel, modelLabel, type CategoryIndex } from './categories.ts';
import { classificationText } from './texts.ts';

const indexes = new WeakMap<object, CategoryIndex>();

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

export async function decideRoute(deps: AppDeps, ctx: PipelineContext): Promise<RoutingDecision> {
  const { config } = deps;
  if (!isAutoModel(config, ctx.requestedModel)) {
    return { routed: false, model: ctx.requestedModel, reasoning: false, injectedSystemPrompt: false, reasonCode: 'model_specified' };
  }
  const classifier = config.routing.enabled ? deps.classifiers.sequence(config.packs.category) : undefined;
  const text = classificationText(ctx.texts);
  if (!classifier || !text.trim()) return fallback(deps, 'no_category_default');

  let result;
  const t0 = deps.clock.now();
  try {
    result = await withSpan('semantic_router.classification', { 'classifier.name': classifier.name }, () => classifier.classify(text));
  } catch (err) {
    // Fail open like the reference: a broken classifier must not take the gateway down.
    deps.metrics.inc('llm_request_errors_total', { model: config.default_model, reason: 'classification_failed' });
    deps.logger.warn({ requestId: ctx.requestId, err: err instanceof Error ? err.message : 'error' }, 'category classification failed');
    return fallback(deps, 'no_category_default');
  } finally {
    deps.metrics.observe('llm_classifier_latency_seconds', { classifier: 'category' }, (deps.clock.now() - t0) / 1000);
  }

  const seen = { classifierLabel: result.label, confidence: result.confidence };
  const category = categoryIndex(deps).byLabel(result.label);
  // The reference's method label for a plain argmax classification (its entropy path is not ported).
  deps.metrics.observe('llm_classification_confidence', { category: category?.name ?? result.label, classification_method: 'traditional' }, result.confidence);
  if (result.confidence < categoryThreshold(deps, classifier.threshold)) return fallback(deps, 'low_confidence_default', seen);
  const best = category && bestModelScore(category);
  if (!category || !best) return fallback(deps, 'no_category_default', { ...seen, category: category?.name ?? result.label });
  deps.metrics.inc('llm_category_classifications_count', { category: category.name });
  return {
    routed: true,
    category: category.name,
    ...seen,
    model: best.model,
    reasoning: best.use_reasoning,
    reasoningEffort: best.use_reasoning ? (best.reasoning_effort ?? config.default_reasoning_effort) : undefined,
    injectedSystemPrompt: false,
    reasonCode: 'auto_routing',
  };
}

export async function routeStage(deps: AppDeps, ctx: PipelineContext): Promise<void> {
  const t0 = deps.clock.now();
  const decision = await withSpan('semantic_router.routing.decision', { 'request.model': modelLabel(deps.config, ctx.requestedModel) }, async (span) => {
    const d = await decideRoute(deps, ctx);
    span.setAttributes({
      'routing.selected_model': modelLabel(deps.config, d.model),
      'routing.category': d.category ?? '',
      'routing.reason_code': d.reasonCode,
      'routing.confidence': d.confidence ?? 0,
    });
    return d;
  });
  ctx.decision = decision;
  if (decision.routed) deps.metrics.observe('llm_model_routing_latency_seconds', {}, (deps.clock.now() - t0) / 1000);
}
