// Rewrite-stage behaviour no other test pinned (found by mutating src/pipeline/rewrite.ts and
// reasoning-switch.ts): insert mode over an empty system message, the category prompt for a PII
// alternative, the usual switches of a model without a family, the reasoning metrics' conditions, and
// the boolean-word normalisation of a custom family's switch.
import { describe, expect, it } from 'vitest';
import type { RoutingDecision } from '../../src/pipeline/context.ts';
import { decideRoute } from '../../src/pipeline/route.ts';
import { injectSystemPrompt, rewriteStage } from '../../src/pipeline/rewrite.ts';
import { normaliseReasoningSwitches } from '../../src/pipeline/reasoning-switch.ts';
import { chatCtx, routingDeps } from './helpers/routing-deps.ts';

const deps = (extra: Record<string, unknown> = {}) =>
  routingDeps(undefined, {
    default_model: 'small',
    vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }],
    model_config: { big: { reasoning_family: 'qwen3' }, alt: { reasoning_family: 'qwen3' } },
    reasoning_families: {
      qwen3: { type: 'chat_template_kwargs', parameter: 'enable_thinking' },
      custom: { type: 'chat_template_kwargs', parameter: 'think_hard' },
    },
    categories: [{ name: 'legal', system_prompt: 'LEGAL', model_scores: [{ model: 'big', score: 1, use_reasoning: false }, { model: 'alt', score: 0.5, use_reasoning: false }] }],
    ...extra,
  });

const decision = (d: Partial<RoutingDecision>): RoutingDecision => ({ routed: true, model: 'big', reasoning: false, injectedSystemPrompt: false, reasonCode: 'auto_routing', ...d });

describe('rewrite (mutation audit)', () => {
  it('insert mode over an empty or missing system content sends the prompt alone', () => {
    expect(injectSystemPrompt([{ role: 'system', content: '' }, { role: 'user', content: 'a' }], 'NEW', 'insert')[0]).toEqual({ role: 'system', content: 'NEW' });
    expect(injectSystemPrompt([{ role: 'system' } as never, { role: 'user', content: 'a' }], 'NEW', 'insert')[0]).toEqual({ role: 'system', content: 'NEW' });
  });

  it("a PII policy's alternative model still gets its category's system prompt", () => {
    const d = deps();
    const ctx = chatCtx('MoM');
    ctx.decision = decision({ model: 'alt', category: 'legal', reasonCode: 'pii_policy_alternative_selected' });
    rewriteStage(d, ctx);
    expect(ctx.body.messages[0]).toEqual({ role: 'system', content: 'LEGAL' });
    expect(ctx.responseHeaders['x-vsr-injected-system-prompt']).toBe('true');
    // A fallback decision naming no routed category gets none.
    const low = chatCtx('MoM');
    low.decision = decision({ model: 'small', reasonCode: 'low_confidence_default' });
    rewriteStage(d, low);
    expect(low.body.messages).toEqual([{ role: 'user', content: 'q' }]);
  });

  it('an explicit model without a family: chat_template_kwargs.thinking and reasoning.effort ask for reasoning; effort "none" does not', async () => {
    const ask = async (extra: Record<string, unknown>) => (await decideRoute(deps(), chatCtx('plain', extra))).reasoning;
    expect(await ask({ chat_template_kwargs: { thinking: true } })).toBe(true);
    expect(await ask({ reasoning: { effort: 'high' } })).toBe(true);
    expect(await ask({ reasoning: { effort: 'low' } })).toBe(false);
    expect(await ask({ reasoning_effort: 'none' })).toBe(false);
    expect(await ask({ reasoning_effort: 'NONE' })).toBe(false);
  });

  it('llm_reasoning_template_usage_total counts reasoning-on rewrites only', () => {
    const d = deps();
    const off = chatCtx('MoM');
    off.decision = decision({ category: 'legal', reasoning: false });
    rewriteStage(d, off);
    expect(off.body.chat_template_kwargs).toEqual({ enable_thinking: false });
    expect(d.metrics.render()).not.toMatch(/^llm_reasoning_template_usage_total\{/m);
    const on = chatCtx('MoM');
    on.decision = decision({ category: 'legal', reasoning: true });
    rewriteStage(d, on);
    expect(d.metrics.render()).toMatch(/^llm_reasoning_template_usage_total\{family="qwen3",param="enable_thinking"\} 1$/m);
  });

  it('llm_model_routing_modifications_total counts only a changed model', () => {
    const d = deps();
    const same = chatCtx('big');
    same.decision = decision({ model: 'big', reasonCode: 'no_category_default' });
    rewriteStage(d, same);
    expect(d.metrics.render()).not.toMatch(/^llm_model_routing_modifications_total\{/m);
    const changed = chatCtx('MoM');
    changed.decision = decision({ model: 'big', category: 'legal' });
    rewriteStage(d, changed);
    expect(d.metrics.render()).toMatch(/^llm_model_routing_modifications_total\{source_model="MoM",target_model="big"\} 1$/m);
  });

  it("a configured family's own switch sent as a boolean word is written back as a boolean, on a copy", () => {
    const { config } = deps();
    const kwargs = { think_hard: 'yes', keep: 'x' };
    const body = { model: 'MoM', messages: [], chat_template_kwargs: kwargs } as never as Parameters<typeof normaliseReasoningSwitches>[0];
    normaliseReasoningSwitches(body, config);
    expect(body.chat_template_kwargs).toEqual({ think_hard: true, keep: 'x' });
    expect(kwargs).toEqual({ think_hard: 'yes', keep: 'x' }); // the client's object is not changed
  });
});
