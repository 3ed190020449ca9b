// Routing decisions (src/pipeline/route.ts, categories.ts) that the mutation audit 3 found unpinned,
// seen from outside: the x-vsr-* headers and the forwarded body over real sockets (fetch -> gateway ->
// recording mock), the gateway's /metrics text, its captured log lines and its spans (memory exporter).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_CLASSIFIERS, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { MEMORY_TRACING, useMemoryTracing } from './helpers/memory-tracing.ts';
import { SPAN } from '../../src/observability/tracing.ts';
import type { Classifiers, ClassResult, SequenceClassifier } from '../../src/classify/types.ts';

const LABELS = ['college_mathematics', 'history', 'other'];
const SECRET = 'jane.doe@example.com';

/** "college_mathematics" at 0.998 (entropy very low) for any text; a text holding FAIL makes it throw, quoting the text. */
function scripted(): Classifiers {
  const probabilities = Float32Array.from([0.998, 0.001, 0.001]);
  const domain: SequenceClassifier = {
    name: 'domain',
    labels: LABELS,
    threshold: 0.5,
    async classify(text: string): Promise<ClassResult> {
      // As a featurizer's error may: the message quotes the input.
      if (text.includes('FAIL')) throw new TypeError(`cannot featurize ${JSON.stringify(text)}`);
      return { label: 'college_mathematics', index: 0, confidence: 0.998, probabilities, truncated: false };
    },
  };
  return { ...EMPTY_CLASSIFIERS, sequence: (n) => (n === 'domain' ? domain : undefined) };
}

const traces = useMemoryTracing();
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({
    classifiers: scripted(),
    config: (port) =>
      testConfig(
        {
          ...MEMORY_TRACING,
          routing: { reasoning_decision: 'entropy' },
          // A capitalised category name, as configs write them ("Math"), reached through mmlu_categories.
          categories: [
            { name: 'Math', mmlu_categories: ['college_mathematics'], model_scores: [{ model: 'deepseek-v3', score: 1, use_reasoning: true }] },
            { name: 'history', model_scores: [{ model: 'qwen3', score: 1, use_reasoning: false }] },
          ],
        },
        [{ name: 'production-stack', address: '127.0.0.1', port }],
      ),
  });
});
afterAll(() => gw?.close());

async function chat(content: string, model = 'MoM', requestId?: string): Promise<{ status: number; headers: Headers; sent: Record<string, any> }> {
  const before = gw.mock.mock.requests.length;
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  await res.text();
  expect(gw.mock.mock.requests.length).toBe(before + 1);
  return { status: res.status, headers: res.headers, sent: gw.mock.mock.requests.at(-1)!.body as Record<string, any> };
}

describe('routing (mutation audit 3)', () => {
  it("entropy reasoning finds a capitalised category's use_reasoning (names compared lowercased); the metrics name the category", async () => {
    const r = await chat('Integrate x squared from 0 to 1.');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-vsr-selected-category')).toBe('Math');
    expect(r.headers.get('x-vsr-selected-model')).toBe('deepseek-v3');
    // Very low entropy: the top category's own use_reasoning (true), not "category_not_in_reasoning_map" (off).
    expect(r.headers.get('x-vsr-selected-reasoning')).toBe('on');
    expect(r.sent.chat_template_kwargs).toMatchObject({ thinking: true });
    const text = gw.metrics.render();
    expect(text).toMatch(/llm_entropy_classification_decisions_total\{[^}]*decision_reason="very_low_uncertainty_trust_classification"[^}]*\} 1/);
    expect(text).toMatch(/llm_entropy_classification_decisions_total\{[^}]*top_category="math"[^}]*\} 1/);
    // The confidence histogram is labelled with the configured category, not the pack's raw label.
    expect(text).toMatch(/llm_classification_confidence_count\{[^}]*category="Math"[^}]*\} 1/);
    expect(text).not.toContain('category="college_mathematics"');
    expect(text).toMatch(/^llm_category_classifications_total\{category="Math"\} 1$/m);
  });

  it("the routing span names the requested model and the selected one; a client's own model name is 'other' in both", async () => {
    await chat('Integrate x squared from 0 to 1.', 'MoM', 'mut3-routed');
    const routed = (await traces.traceOf('mut3-routed')).spans.find((x) => x.name === SPAN.ROUTING);
    expect(routed?.attributes).toMatchObject({ 'routing.original_model': 'MoM', 'routing.selected_model': 'deepseek-v3', 'routing.reason': 'auto_routing', 'category.name': 'Math' });
    const r = await chat('Integrate x squared from 0 to 1.', 'my-private-finetune', 'mut3-explicit');
    expect(r.sent.model).toBe('my-private-finetune');
    const explicit = (await traces.traceOf('mut3-explicit')).spans.find((x) => x.name === SPAN.ROUTING);
    // Bounded: a name no config knows is client text, so it is 'other' on traces as on metrics.
    expect(explicit?.attributes).toMatchObject({ 'routing.original_model': 'other', 'routing.selected_model': 'other', 'routing.reason': 'model_specified' });
  });

  it("auto names match as written (the reference's literal model == \"auto\"): 'Auto' and 'mom' are passed through", async () => {
    for (const name of ['Auto', 'mom']) {
      const r = await chat('Integrate x squared from 0 to 1.', name);
      expect(r.sent.model).toBe(name);
      expect(r.headers.get('x-vsr-selected-category')).toBeNull();
    }
  });

  it("a failing classifier's message (which may quote the text) never reaches the log", async () => {
    const r = await chat(`FAIL: mail ${SECRET} please`);
    expect(r.status).toBe(200);
    expect(r.sent.model).toBe(gw.config.default_model);
    const warn = gw.logs.lines.find((l) => l.msg === 'category classification failed');
    expect(warn?.obj.err).toBe('TypeError');
    expect(JSON.stringify(gw.logs.lines)).not.toContain(SECRET);
  });
});

describe("classifier.category_model.threshold unset: the pack's own threshold cuts (README: not 0.6)", () => {
  let gw2: Gateway;
  beforeAll(async () => {
    // history at 0.4 under a pack threshold of 0.3: confident enough for this pack.
    const probabilities = Float32Array.from([0.3, 0.4, 0.3]);
    const domain: SequenceClassifier = {
      name: 'domain',
      labels: LABELS,
      threshold: 0.3,
      async classify(): Promise<ClassResult> {
        return { label: 'history', index: 1, confidence: 0.4, probabilities, truncated: false };
      },
    };
    gw2 = await startGateway({
      classifiers: { ...EMPTY_CLASSIFIERS, sequence: (n) => (n === 'domain' ? domain : undefined) },
      config: (port) =>
        testConfig(
          { classifier: { category_model: {} }, categories: [{ name: 'history', model_scores: [{ model: 'gpt-oss-20b', score: 1, use_reasoning: false }] }] },
          [{ name: 'production-stack', address: '127.0.0.1', port }],
        ),
    });
    expect(gw2.config.classifier.category_model?.threshold).toBeUndefined();
  });
  afterAll(() => gw2?.close());

  it('routes a 0.4 classification under a pack threshold of 0.3', async () => {
    const res = await fetch(`${gw2.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'Who crowned Charlemagne?' }] }),
    });
    await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vsr-selected-category')).toBe('history');
    expect(res.headers.get('x-vsr-selected-model')).toBe('gpt-oss-20b');
    expect((gw2.mock.mock.requests.at(-1)!.body as Record<string, unknown>).model).toBe('gpt-oss-20b');
  });
});
