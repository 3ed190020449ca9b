// reasoning_effort values past low | medium | high. The reference documents those three but does not
// validate the field (a plain string in its Go config), and the engines take more: OpenAI's gpt-5 and
// vLLM accept `minimal`, newer APIs `none` and `xhigh`. A config naming one failed to load, so such an
// effort could not be configured at all. Now any non-empty string loads and goes upstream as written;
// one none of the known efforts warns at load (likely a typo), and the metric label stays bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { EMPTY_CLASSIFIERS, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { validateConfig } from '../../src/config/index.ts';
import { metricMoves } from './helpers/metric-moves.ts';
import { until } from './helpers/until.ts';
import { useMemoryTracing } from './helpers/memory-tracing.ts';
import { SPAN } from '../../src/observability/tracing.ts';
import type { Classifiers, ClassResult, SequenceClassifier } from '../../src/classify/types.ts';

const LABELS = ['minimal', 'xhigh', 'custom', 'default', 'none', 'capital'];

/** A domain "classifier" whose answer is the first word of the user's message. */
function wordClassifier(): Classifiers {
  const domain: SequenceClassifier = {
    name: 'domain',
    labels: LABELS,
    threshold: 0.5,
    async classify(text: string): Promise<ClassResult> {
      const index = Math.max(0, LABELS.indexOf(text.split(' ')[0]!));
      const probabilities = Float32Array.from(LABELS.map((_, i) => (i === index ? 0.997 : 0.001)));
      return { label: LABELS[index]!, index, confidence: 0.997, probabilities, truncated: false };
    },
  };
  return { ...EMPTY_CLASSIFIERS, sequence: (name) => (name === 'domain' ? domain : undefined) };
}

const entry = (effort?: string) => [{ model: 'gpt-oss-20b', score: 1, use_reasoning: true, ...(effort ? { reasoning_effort: effort } : {}) }];
const OVERRIDES = {
  default_reasoning_effort: 'none',
  categories: [
    { name: 'minimal', model_scores: entry('minimal') },
    { name: 'xhigh', model_scores: entry('xhigh') },
    { name: 'custom', model_scores: entry('Turbo') },
    { name: 'default', model_scores: entry() },
    { name: 'none', model_scores: entry('none') },
    { name: 'capital', model_scores: entry('None') },
  ],
};

describe('reasoning_effort values at load', () => {
  const base = { default_model: 'm', vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }] };
  const load = (effort: unknown, dflt?: unknown) =>
    validateConfig({
      ...base,
      ...(dflt === undefined ? {} : { default_reasoning_effort: dflt }),
      categories: [{ name: 'c', model_scores: [{ model: 'm', score: 1, use_reasoning: true, reasoning_effort: effort }] }],
    });

  it('none, minimal, low, medium, high and xhigh load quietly, as written', () => {
    for (const e of ['none', 'minimal', 'low', 'medium', 'high', 'xhigh']) {
      const { config, warnings } = load(e, e);
      expect(config.categories[0]!.model_scores[0]!.reasoning_effort).toBe(e);
      expect(config.default_reasoning_effort).toBe(e);
      expect(warnings.filter((w) => w.includes('effort'))).toEqual([]);
    }
  });

  it('another string loads with a warning naming the key; an empty one or a number is an error', () => {
    const { config, warnings } = load('Turbo', 'max');
    expect(config.categories[0]!.model_scores[0]!.reasoning_effort).toBe('Turbo');
    expect(config.default_reasoning_effort).toBe('max');
    const effortWarnings = warnings.filter((w) => w.includes('effort'));
    expect(effortWarnings).toHaveLength(2);
    expect(effortWarnings.some((w) => w.startsWith('categories[0].model_scores[0].reasoning_effort: "Turbo"'))).toBe(true);
    expect(effortWarnings.some((w) => w.startsWith('default_reasoning_effort: "max"'))).toBe(true);
    expect(() => load('')).toThrow(/categories\[0\]\.model_scores\[0\]\.reasoning_effort/);
    expect(() => load('high', '')).toThrow(/default_reasoning_effort/);
    expect(() => load(3)).toThrow(/reasoning_effort/);
  });

  it('an unset default_reasoning_effort is still medium', () => {
    expect(validateConfig(base).config.default_reasoning_effort).toBe('medium');
  });
});

describe('reasoning_effort values on a routed request (mock upstream, openai SDK)', () => {
  let gw: Gateway;
  // Before the gateway's hooks: the provider exists when it starts (helpers/memory-tracing.ts).
  const traces = useMemoryTracing();
  beforeAll(async () => {
    gw = await startGateway({
      classifiers: wordClassifier(),
      config: (port) => testConfig(OVERRIDES, [{ name: 'production-stack', address: '127.0.0.1', port }]),
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  const ask = async (word: string) => {
    const sdk = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    await sdk.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: `${word} please` }] });
    return gw.mock.mock.requests.at(-1)!.body as Record<string, unknown>;
  };

  it('each entry\'s effort, and default_reasoning_effort, go upstream as written', async () => {
    expect((await ask('minimal')).reasoning_effort).toBe('minimal');
    expect((await ask('xhigh')).reasoning_effort).toBe('xhigh');
    expect((await ask('custom')).reasoning_effort).toBe('Turbo');
    const dflt = await ask('default');
    expect(dflt.model).toBe('gpt-oss-20b');
    expect(dflt.reasoning_effort).toBe('none');
  });

  it('the effort label names known efforts and folds the rest into other', async () => {
    const text = await fetch(`${gw.url}/metrics`).then((r) => r.text());
    const series = text.split('\n').filter((l) => l.startsWith('llm_reasoning_effort_usage_total{'));
    const efforts = series.map((l) => /effort="([^"]*)"/.exec(l)?.[1]).sort();
    expect(efforts).toEqual(['minimal', 'none', 'other', 'xhigh']);
    expect(text).not.toContain('Turbo');
  });

  // use_reasoning: true with effort none (the entry's, or default_reasoning_effort's) sends
  // reasoning_effort: none, which asks the model not to reason (the reference's newer code sends
  // none as a family's off value): the header, the decision metric and the log line said on.
  const REASONING = ['llm_reasoning_decisions_total', 'llm_reasoning_template_usage_total', 'llm_reasoning_effort_usage_total'];
  const sendReasoned = (word: string) =>
    metricMoves(gw.metrics, REASONING, async () => {
      const sdk = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const { response } = await sdk.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: `${word} please` }] }).withResponse();
      // The request's log line is written as its answer ends, which may be after the client has it.
      const id = response.headers.get('x-request-id');
      const line = () => gw.logs.lines.find((l) => l.msg === 'request' && l.obj.request_id === id);
      await until(() => line() !== undefined, 5_000);
      const log = line()!.obj;
      const { spans } = await traces.traceOf(id!);
      const span = spans.find((s) => s.name === SPAN.ROUTING)!.attributes;
      return { header: response.headers.get('x-vsr-selected-reasoning'), body: gw.mock.mock.requests.at(-1)!.body as Record<string, unknown>, log, span };
    });

  it.each([
    ['none', 'none'],
    ['capital', 'None'],
    ['default', 'none'],
  ])('effort none is reasoning off everywhere: header, decision metric, log, routing span, body (%s)', async (word, sent) => {
    const { moved, answer } = await sendReasoned(word);
    expect(answer.body.reasoning_effort).toBe(sent);
    expect(answer.header).toBe('off');
    expect(answer.log.reasoning).toBe(false);
    expect(answer.log.reasoning_effort).toBe('none');
    expect(answer.span).toMatchObject({ 'reasoning.enabled': false, 'reasoning.effort': 'none' });
    expect(moved).toEqual({
      [`llm_reasoning_decisions_total{category="${word}",model="gpt-oss-20b",enabled="false",effort="none"}`]: 1,
      'llm_reasoning_effort_usage_total{family="gpt-oss",effort="none"}': 1,
    });
  });

  it('an explicit model is not rewritten: gpt-oss with no effort sent reasons (default_reasoning_effort none is not read)', async () => {
    const sdk = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const { response } = await sdk.chat.completions.create({ model: 'gpt-oss-20b', messages: [{ role: 'user', content: 'none please' }] }).withResponse();
    expect(gw.mock.mock.requests.at(-1)!.body).not.toHaveProperty('reasoning_effort');
    expect(response.headers.get('x-vsr-selected-reasoning')).toBe('on');
    const { spans } = await traces.traceOf(response.headers.get('x-request-id')!);
    expect(spans.find((s) => s.name === SPAN.ROUTING)!.attributes['reasoning.enabled']).toBe(true);
  });

  it('effort minimal stays on', async () => {
    const { moved, answer } = await sendReasoned('minimal');
    expect(answer.body.reasoning_effort).toBe('minimal');
    expect(answer.header).toBe('on');
    expect(answer.log.reasoning).toBe(true);
    expect(answer.span).toMatchObject({ 'reasoning.enabled': true, 'reasoning.effort': 'minimal' });
    expect(moved['llm_reasoning_decisions_total{category="minimal",model="gpt-oss-20b",enabled="true",effort="minimal"}']).toBe(1);
    expect(moved['llm_reasoning_template_usage_total{family="gpt-oss",param="reasoning_effort"}']).toBe(1);
  });
});
