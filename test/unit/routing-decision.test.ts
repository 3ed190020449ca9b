// Pure routing logic (vsr.md 1.1 step 5) over a small in-test classifier: thresholds, the
// mmlu_categories mapping, ties, reasoning per family, system prompt modes.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.ts';
import type { Classifiers, ClassResult, SequenceClassifier } from '../../src/classify/types.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildContext } from '../../src/pipeline/request.ts';
import { decideRoute } from '../../src/pipeline/route.ts';
import { applyReasoning, injectSystemPrompt, rewriteStage } from '../../src/pipeline/rewrite.ts';

const LABELS = ['math', 'college_physics', 'other', 'law'];

function fakeClassifier(label: string, confidence: number, fail = false): SequenceClassifier {
  return {
    name: 'domain',
    labels: LABELS,
    threshold: 0.5,
    async classify(): Promise<ClassResult> {
      if (fail) throw new Error('engine down');
      const index = LABELS.indexOf(label);
      const probabilities = new Float32Array(LABELS.length).fill((1 - confidence) / (LABELS.length - 1));
      probabilities[index] = confidence;
      return { label, index, confidence, probabilities, truncated: false };
    },
  };
}

function deps(clf: SequenceClassifier | undefined, extra: Record<string, unknown> = {}): AppDeps {
  const config = validateConfig({
    default_model: 'small',
    vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }],
    model_config: { big: { reasoning_family: 'qwen3' }, oss: { reasoning_family: 'gpt-oss' }, ds: { reasoning_family: 'deepseek' } },
    reasoning_families: {
      qwen3: { type: 'chat_template_kwargs', parameter: 'enable_thinking' },
      deepseek: { type: 'chat_template_kwargs', parameter: 'thinking' },
      'gpt-oss': { type: 'reasoning_effort', parameter: 'reasoning_effort' },
    },
    classifier: { category_model: { threshold: 0.6 } },
    categories: [
      { name: 'math', system_prompt: 'MATH', model_scores: [{ model: 'big', score: 0.5, use_reasoning: true }, { model: 'oss', score: 0.9, use_reasoning: true, reasoning_effort: 'low' }] },
      { name: 'physics', mmlu_categories: ['college_physics'], model_scores: [{ model: 'ds', score: 1, use_reasoning: false }, { model: 'big', score: 1, use_reasoning: true }] },
      { name: 'law', system_prompt: 'LAW', system_prompt_enabled: false, model_scores: [{ model: 'big', score: 1, use_reasoning: false }] },
    ],
    ...extra,
  }).config;
  const classifiers: Classifiers = { sequence: (n) => (n === 'domain' ? clf : undefined), pii: () => undefined, embedder: () => undefined, info: () => [] };
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  return { config, classifiers, upstream: { send: async () => { throw new Error('unused'); } }, metrics: createMetrics({ config }), logger: quiet, clock: { now: () => performance.now(), wallMs: () => Date.now() }, runtime: { name: 'node' } };
}

const ctxFor = (model: string, content: unknown = 'q', messages?: unknown[]) =>
  buildContext({ requestId: 'r', headers: {}, body: { model, messages: (messages ?? [{ role: 'user', content }]) as never }, startedMs: 0 });

describe('decideRoute', () => {
  it('explicit models pass through with model_specified', async () => {
    const d = await decideRoute(deps(fakeClassifier('math', 0.99)), ctxFor('big'));
    // big is a qwen3 model with no switch sent: Qwen3's template thinks by default.
    expect(d).toMatchObject({ routed: false, model: 'big', reasonCode: 'model_specified', reasoning: true });
  });

  it("an explicit model's reasoning is what the model does with its request: the family's switch and default, else the usual ones", async () => {
    const ask = (model: string, extra: Record<string, unknown>) =>
      decideRoute(deps(undefined), buildContext({ requestId: 'r', headers: {}, body: { model, messages: [{ role: 'user', content: 'q' }], ...extra } as never, startedMs: 0 })).then((d) => d.reasoning);
    expect(await ask('big', { chat_template_kwargs: { enable_thinking: true } })).toBe(true);
    expect(await ask('big', { chat_template_kwargs: { thinking: false } })).toBe(true); // not qwen3's switch: its default, on
    expect(await ask('big', { chat_template_kwargs: { enable_thinking: false } })).toBe(false);
    expect(await ask('ds', {})).toBe(false); // DeepSeek does not think unless asked
    expect(await ask('oss', {})).toBe(true); // gpt-oss reasons at medium when no effort is sent
    expect(await ask('ds', { chat_template_kwargs: { thinking: true } })).toBe(true);
    expect(await ask('oss', { reasoning_effort: 'medium' })).toBe(true);
    expect(await ask('oss', { reasoning_effort: 'LOW' })).toBe(false);
    expect(await ask('no-family', { chat_template_kwargs: { enable_thinking: true } })).toBe(true);
    expect(await ask('no-family', { reasoning_effort: 'high' })).toBe(true);
    expect(await ask('no-family', { reasoning_effort: 'minimal', chat_template_kwargs: 'junk' })).toBe(false);
  });

  it('picks the highest score in the category; use_reasoning and effort from that entry', async () => {
    const d = await decideRoute(deps(fakeClassifier('math', 0.9)), ctxFor('MoM'));
    expect(d).toMatchObject({ routed: true, category: 'math', model: 'oss', reasoning: true, reasoningEffort: 'low', reasonCode: 'auto_routing', confidence: 0.9 });
  });

  it('maps classifier labels through mmlu_categories; ties keep the first entry', async () => {
    const d = await decideRoute(deps(fakeClassifier('college_physics', 0.8)), ctxFor('auto'));
    expect(d).toMatchObject({ category: 'physics', model: 'ds', reasoning: false, classifierLabel: 'college_physics' });
  });

  it('entropy reasoning (the reference\'s default): a near-uniform distribution turns reasoning on for the default model; top_category does not', async () => {
    const dd = deps(fakeClassifier('law', 0.3));
    const d = await decideRoute(dd, ctxFor('MoM'));
    expect(d).toMatchObject({ model: 'small', reasonCode: 'low_confidence_default', reasoning: true, reasoningEffort: dd.config.default_reasoning_effort });
    expect(dd.metrics.render()).toMatch(/llm_entropy_classification_decisions_total\{[^}]*uncertainty_level="very_high"[^}]*\} 1/);
    const top = await decideRoute(deps(fakeClassifier('law', 0.3), { routing: { reasoning_decision: 'top_category' } }), ctxFor('MoM'));
    expect(top).toMatchObject({ model: 'small', reasoning: false });
    // A confident class without a configured category: default model, no reasoning.
    expect(await decideRoute(deps(fakeClassifier('other', 0.97)), ctxFor('MoM'))).toMatchObject({ model: 'small', reasonCode: 'no_category_default', reasoning: false });
  });

  it('entropy reasoning follows the category\'s FIRST model_scores entry, as the reference; top_category the selected one', async () => {
    // physics: first entry ds (off), best by score tie -> ds too; math: first big (on), best oss (on).
    const cats = [{ name: 'math', model_scores: [{ model: 'big', score: 0.5, use_reasoning: false }, { model: 'oss', score: 0.9, use_reasoning: true }] }];
    const e = await decideRoute(deps(fakeClassifier('math', 0.97), { categories: cats }), ctxFor('MoM'));
    expect(e).toMatchObject({ model: 'oss', reasoning: false });
    const t = await decideRoute(deps(fakeClassifier('math', 0.97), { categories: cats, routing: { reasoning_decision: 'top_category' } }), ctxFor('MoM'));
    expect(t).toMatchObject({ model: 'oss', reasoning: true, reasoningEffort: 'medium' }); // default_reasoning_effort unset
  });

  it('confidence under the threshold -> default_model', async () => {
    const d = await decideRoute(deps(fakeClassifier('math', 0.59)), ctxFor('MoM'));
    expect(d).toMatchObject({ model: 'small', reasonCode: 'low_confidence_default', classifierLabel: 'math' });
    expect(d.category).toBeUndefined();
  });

  it('a label without a configured category -> default_model', async () => {
    const d = await decideRoute(deps(fakeClassifier('other', 0.95)), ctxFor('MoM'));
    expect(d).toMatchObject({ model: 'small', reasonCode: 'no_category_default' });
  });

  it('a failing classifier fails open to default_model', async () => {
    const d = await decideRoute(deps(fakeClassifier('math', 0.9, true)), ctxFor('MoM'));
    expect(d).toMatchObject({ model: 'small', reasonCode: 'no_category_default' });
  });

  it('routing disabled, missing pack, or nothing to classify -> default_model', async () => {
    expect((await decideRoute(deps(undefined), ctxFor('MoM'))).model).toBe('small');
    expect((await decideRoute(deps(fakeClassifier('math', 0.9), { routing: { enabled: false } }), ctxFor('MoM'))).model).toBe('small');
    expect((await decideRoute(deps(fakeClassifier('math', 0.9)), ctxFor('MoM', [{ type: 'image_url', image_url: { url: 'x' } }]))).model).toBe('small');
  });

  it('configurable auto names', async () => {
    const d = deps(fakeClassifier('math', 0.9), { routing: { auto_model_names: ['router'] } });
    expect((await decideRoute(d, ctxFor('router'))).routed).toBe(true);
    expect((await decideRoute(d, ctxFor('MoM'))).routed).toBe(false);
  });
});

describe('rewrite', () => {
  it('replace mode replaces a leading system message, or adds one in front (a later one stays, as in the reference)', () => {
    expect(injectSystemPrompt([{ role: 'system', content: 'old' }, { role: 'user', content: 'a' }], 'NEW', 'replace')).toEqual([{ role: 'system', content: 'NEW' }, { role: 'user', content: 'a' }]);
    const msgs = [{ role: 'user', content: 'a' }, { role: 'system', content: 'old' }];
    expect(injectSystemPrompt(msgs, 'NEW', 'replace')).toEqual([{ role: 'system', content: 'NEW' }, ...msgs]);
    expect(injectSystemPrompt([{ role: 'user', content: 'a' }], 'NEW', 'replace')).toEqual([{ role: 'system', content: 'NEW' }, { role: 'user', content: 'a' }]);
  });

  it('a developer message is the system message: replaced or prepended to, and sent as system', () => {
    const dev = [{ role: 'developer', content: 'old', name: 'app' }, { role: 'user', content: 'a' }];
    expect(injectSystemPrompt(dev, 'NEW', 'replace')).toEqual([{ role: 'system', content: 'NEW', name: 'app' }, { role: 'user', content: 'a' }]);
    expect(injectSystemPrompt(dev, 'NEW', 'insert')[0]).toEqual({ role: 'system', content: 'NEW\n\nold', name: 'app' });
    expect(dev[0].role).toBe('developer'); // the client's array is not changed in place
    // A developer message later in the conversation is not the system prompt: one goes in front.
    const mid = [{ role: 'user', content: 'a' }, { role: 'developer', content: 'terse now' }, { role: 'user', content: 'b' }];
    expect(injectSystemPrompt(mid, 'NEW', 'replace')).toEqual([{ role: 'system', content: 'NEW' }, ...mid]);
  });

  it('insert mode prepends the prompt and a blank line, for string and part contents', () => {
    expect(injectSystemPrompt([{ role: 'system', content: 'old' }], 'NEW', 'insert')[0].content).toBe('NEW\n\nold');
    const parts = injectSystemPrompt([{ role: 'system', content: [{ type: 'text', text: 'old' }] }], 'NEW', 'insert')[0].content;
    expect(parts).toEqual([{ type: 'text', text: 'NEW\n\n' }, { type: 'text', text: 'old' }]);
  });

  it('reasoning per family, on and off', () => {
    const { config } = deps(undefined);
    const on = { routed: true, model: 'big', reasoning: true, injectedSystemPrompt: false, reasonCode: 'auto_routing' as const };
    const b1: Record<string, unknown> = { model: 'x', messages: [], chat_template_kwargs: { enable_thinking: false, other: 1 }, reasoning_effort: 'high' };
    applyReasoning(b1 as never, config, on);
    expect(b1).toMatchObject({ chat_template_kwargs: { enable_thinking: true, other: 1 } });
    expect(b1).not.toHaveProperty('reasoning_effort');
    const b2: Record<string, unknown> = { model: 'x', messages: [], chat_template_kwargs: { enable_thinking: true } };
    applyReasoning(b2 as never, config, { ...on, reasoning: false });
    expect(b2.chat_template_kwargs).toEqual({ enable_thinking: false }); // absent, Qwen3 thinks
    const b3: Record<string, unknown> = { model: 'x', messages: [] };
    applyReasoning(b3 as never, config, { ...on, model: 'oss' });
    expect(b3.reasoning_effort).toBe('medium'); // default_reasoning_effort unset: the reference's medium
    const b4: Record<string, unknown> = { model: 'x', messages: [], reasoning_effort: 'medium' };
    applyReasoning(b4 as never, config, { ...on, model: 'oss', reasoning: false });
    expect(b4.reasoning_effort).toBe('medium');
    const b5: Record<string, unknown> = { model: 'x', messages: [], reasoning_effort: 'medium' };
    applyReasoning(b5 as never, config, { ...on, model: 'no-family' });
    expect(b5.reasoning_effort).toBe('medium');
  });

  it('rewriteStage sets the model, the prompt (unless disabled) and the x-vsr headers', async () => {
    const d = deps(fakeClassifier('math', 0.9));
    const ctx = ctxFor('MoM');
    ctx.decision = await decideRoute(d, ctx);
    rewriteStage(d, ctx);
    expect(ctx.body.model).toBe('oss');
    expect(ctx.body.messages[0]).toEqual({ role: 'system', content: 'MATH' });
    expect(ctx.responseHeaders).toMatchObject({ 'x-vsr-selected-category': 'math', 'x-vsr-selected-model': 'oss', 'x-vsr-selected-reasoning': 'on', 'x-vsr-injected-system-prompt': 'true', 'x-request-id': 'r' });
    const law = deps(fakeClassifier('law', 0.9));
    const ctx2 = ctxFor('MoM');
    ctx2.decision = await decideRoute(law, ctx2);
    rewriteStage(law, ctx2);
    expect(ctx2.body.messages).toHaveLength(1);
    expect(ctx2.responseHeaders['x-vsr-injected-system-prompt']).toBe('false');
  });
});
