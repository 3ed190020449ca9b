// Routing decisions no other test pinned (found by mutating src/pipeline/route.ts and categories.ts):
// the threshold boundary, which category keeps a label, the client's reasoning
// after a classifier failure, entropy reasoning for an unmapped label, and the routing metrics.
import { describe, expect, it } from 'vitest';
import type { SequenceClassifier } from '../../src/classify/types.ts';
import type { AppDeps } from '../../src/deps.ts';
import { decideRoute, routeStage } from '../../src/pipeline/route.ts';
import { chatCtx as ctxFor, peaked, routingDeps } from './helpers/routing-deps.ts';

function deps(clf: SequenceClassifier | undefined, extra: Record<string, unknown> = {}): AppDeps {
  return routingDeps(clf, {
    default_model: 'small',
    vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }],
    model_config: { small: { reasoning_family: 'qwen3' }, big: { reasoning_family: 'qwen3' } },
    reasoning_families: { qwen3: { type: 'chat_template_kwargs', parameter: 'enable_thinking' } },
    categories: [
      { name: 'math', model_scores: [{ model: 'big', score: 1, use_reasoning: true }] },
      { name: 'physics', mmlu_categories: ['College_Physics', 'shared'], model_scores: [{ model: 'phys', score: 1, use_reasoning: false }] },
      { name: 'science', mmlu_categories: ['shared', 'math'], model_scores: [{ model: 'sci', score: 1, use_reasoning: false }] },
    ],
    routing: { reasoning_decision: 'top_category' },
    ...extra,
  });
}

const LABELS = ['math', 'college_physics', 'shared', 'other'];

describe('routing decisions (mutation audit)', () => {
  it('a confidence equal to the threshold routes (only one under it falls back)', async () => {
    const at = await decideRoute(deps(peaked(LABELS, 'college_physics', 0.6), { classifier: { category_model: { threshold: 0.6 } } }), ctxFor('MoM'));
    expect(at).toMatchObject({ reasonCode: 'auto_routing', model: 'phys' });
  });

  it('mmlu_categories match case-insensitively; the first category listing a label keeps it; a mapping beats a name', async () => {
    const route = (label: string) => decideRoute(deps(peaked(LABELS, label, 0.9, 0.5)), ctxFor('MoM'));
    expect(await route('college_physics')).toMatchObject({ category: 'physics', model: 'phys' }); // listed as College_Physics
    expect(await route('shared')).toMatchObject({ category: 'physics', model: 'phys' }); // physics lists it first
    expect(await route('math')).toMatchObject({ category: 'science', model: 'sci' }); // science maps it; category "math" is a name only
  });

  it("a failing classifier leaves the client's own reasoning switch on the default model", async () => {
    const d = deps(peaked(LABELS, 'college_physics', 0.9, 0.5, true));
    const on = await decideRoute(d, ctxFor('MoM', { chat_template_kwargs: { enable_thinking: true } }));
    expect(on).toMatchObject({ model: 'small', reasonCode: 'no_category_default', reasoning: true });
    const off = await decideRoute(d, ctxFor('MoM'));
    expect(off).toMatchObject({ model: 'small', reasonCode: 'no_category_default', reasoning: false });
    expect(d.metrics.render()).toMatch(/llm_request_errors_total\{[^}]*model="small"[^}]*reason="classification_failed"[^}]*\} 2/);
  });

  it('entropy: a confident-enough label without a category still turns reasoning on when the distribution is near-uniform', async () => {
    // "other" at 0.3 passes a 0.25 threshold, the rest at 0.23 each: near-uniform (very_high uncertainty).
    const d = deps(peaked(LABELS, 'other', 0.3), { routing: { reasoning_decision: 'entropy' }, classifier: { category_model: { threshold: 0.25 } } });
    const got = await decideRoute(d, ctxFor('MoM'));
    expect(got).toMatchObject({ model: 'small', reasonCode: 'no_category_default', category: 'other', reasoning: true });
    expect(d.metrics.render()).toMatch(/llm_entropy_classification_decisions_total\{[^}]*reasoning_enabled="true"[^}]*\} 1/);
    // The same label, confident and peaked: reasoning stays off.
    const sure = await decideRoute(deps(peaked(LABELS, 'other', 0.99), { routing: { reasoning_decision: 'entropy' } }), ctxFor('MoM'));
    expect(sure).toMatchObject({ model: 'small', reasonCode: 'no_category_default', reasoning: false });
  });

  it('a routed decision with reasoning off carries no effort (the span reports none)', async () => {
    const cats = [{ name: 'math', model_scores: [{ model: 'big', score: 1, use_reasoning: false, reasoning_effort: 'high' }] }];
    const d = await decideRoute(deps(peaked(LABELS, 'math', 0.9, 0.5), { categories: cats }), ctxFor('MoM'));
    expect(d).toMatchObject({ reasonCode: 'auto_routing', model: 'big', reasoning: false });
    expect(d.reasoningEffort).toBeUndefined();
  });

  it('llm_model_routing_latency_seconds counts routed requests only', async () => {
    const d = deps(peaked(LABELS, 'college_physics', 0.9, 0.5));
    await routeStage(d, ctxFor('MoM'));
    await routeStage(d, ctxFor('MoM'));
    await routeStage(d, ctxFor('big')); // explicit model: no routing decision
    expect(d.metrics.render()).toMatch(/^llm_model_routing_latency_seconds_count 2$/m);
  });
});
