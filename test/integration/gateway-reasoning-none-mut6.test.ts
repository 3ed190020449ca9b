// Mutation audit 6 of "effort none reads off" (877fb4e, 23a6bde: rewrite.ts effortNoneOff). Two
// survivors of gateway-reasoning-effort-values, each a wrong report a user reads:
// - a chat_template_kwargs family (qwen3) sends enable_thinking: true whatever the entry's effort says
//   (no effort is sent), so use_reasoning with reasoning_effort: none is reasoning ON there: header,
//   span and metrics must say on (with the family check gone they said off);
// - a decision with reasoning off under default_reasoning_effort: none is off as before, and the
//   effort the off path sends ('low', invented) is no effort the router chose: no effort label, no
//   effort usage (with the reasoning check gone both named 'low').
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { EMPTY_CLASSIFIERS, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { metricMoves } from './helpers/metric-moves.ts';
import { useMemoryTracing } from './helpers/memory-tracing.ts';
import { peaked } from '../unit/helpers/routing-deps.ts';
import { SPAN } from '../../src/observability/tracing.ts';
import type { SequenceClassifier } from '../../src/classify/types.ts';

const LABELS = ['think', 'plain'];
/** The category is the first word of the message. */
const domain: SequenceClassifier = { ...peaked(LABELS, 'think', 0.997), classify: (t) => peaked(LABELS, t.split(' ')[0]!, 0.997).classify(t) };

const OVERRIDES = {
  default_reasoning_effort: 'none',
  routing: { reasoning_decision: 'top_category' },
  categories: [
    { name: 'think', model_scores: [{ model: 'qwen3', score: 1, use_reasoning: true, reasoning_effort: 'none' }] },
    { name: 'plain', model_scores: [{ model: 'gpt-oss-20b', score: 1, use_reasoning: false }] },
  ],
};
const REASONING = ['llm_reasoning_decisions_total', 'llm_reasoning_template_usage_total', 'llm_reasoning_effort_usage_total'];

describe('effort none, where it does not turn reasoning off (mock upstream, openai SDK)', () => {
  let gw: Gateway;
  const traces = useMemoryTracing();
  beforeAll(async () => {
    gw = await startGateway({
      classifiers: { ...EMPTY_CLASSIFIERS, sequence: (n) => (n === 'domain' ? domain : undefined) },
      config: (port) => testConfig(OVERRIDES, [{ name: 'production-stack', address: '127.0.0.1', port }]),
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  const send = (word: string) =>
    metricMoves(gw.metrics, REASONING, async () => {
      const sdk = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const { response } = await sdk.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: `${word} about it` }] }).withResponse();
      const { spans } = await traces.traceOf(response.headers.get('x-request-id')!);
      return {
        header: response.headers.get('x-vsr-selected-reasoning'),
        body: gw.mock.mock.requests.at(-1)!.body as Record<string, any>,
        span: spans.find((s) => s.name === SPAN.ROUTING)!.attributes,
      };
    });

  it('a chat_template_kwargs family with effort none thinks, and says so', async () => {
    const { moved, answer } = await send('think');
    expect(answer.body.model).toBe('qwen3');
    expect(answer.body.chat_template_kwargs).toEqual({ enable_thinking: true });
    expect(answer.header).toBe('on');
    expect(answer.span).toMatchObject({ 'reasoning.enabled': true });
    expect(moved).toEqual({
      'llm_reasoning_decisions_total{category="think",model="qwen3",enabled="true",effort=""}': 1,
      'llm_reasoning_template_usage_total{family="qwen3",param="enable_thinking"}': 1,
    });
  });

  it('reasoning off under default_reasoning_effort none names no effort', async () => {
    const { moved, answer } = await send('plain');
    expect(answer.body.model).toBe('gpt-oss-20b');
    expect(answer.body.reasoning_effort).toBe('low');
    expect(answer.header).toBe('off');
    expect(answer.span).toMatchObject({ 'reasoning.enabled': false });
    expect(moved).toEqual({ 'llm_reasoning_decisions_total{category="plain",model="gpt-oss-20b",enabled="false",effort=""}': 1 });
  });
});
