// Routing end to end on the real packs and real onnxruntime-node: the reference's routing cases
// (vsr.md section 6), system prompt and reasoning rewrites as the mock sees them, and an accuracy
// report over ../shared/vsr-testdata/domain_classify_cases.json.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { realClassifiers, SHARED, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import type { Classifiers } from '../../src/classify/types.ts';

const ep = (port: number) => [{ name: 'production-stack', address: '127.0.0.1', port }];
const MATH = 'Solve the quadratic equation x^2 + 5x + 6 = 0 and explain the steps.';
const CODE = 'Write a Python function to implement a linked list with insert and delete operations.';
const BUSINESS = 'What are the key principles of supply chain management in modern business?';
const HISTORY = 'Describe the main causes and key events of World War I.';

let classifiers: Classifiers;
beforeAll(async () => {
  classifiers = await realClassifiers();
  expect(classifiers.sequence('domain')).toBeDefined();
});

const sdk = (gw: Gateway) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });

describe('vsr.md section 6: the reference router classification cases (Model-A / Model-B)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    // The reference e2e config: math and computer science -> Model-B, business and history -> Model-A.
    const scores = (model: string) => [{ model, score: 1, use_reasoning: false }];
    gw = await startGateway({
      classifiers,
      config: (port) =>
        testConfig(
          {
            default_model: 'Model-A',
            model_config: {},
            categories: [
              { name: 'math', model_scores: scores('Model-B') },
              { name: 'computer science', model_scores: scores('Model-B') },
              { name: 'business', model_scores: scores('Model-A') },
              { name: 'history', model_scores: scores('Model-A') },
            ],
          },
          ep(port),
        ),
    });
  });
  afterAll(() => gw?.close());

  it.each([
    [MATH, 'math', 'Model-B'],
    [CODE, 'computer science', 'Model-B'],
    [BUSINESS, 'business', 'Model-A'],
    [HISTORY, 'history', 'Model-A'],
  ])('%s -> %s -> %s', async (question, category, model) => {
    for (const auto of ['auto', 'MoM']) {
      const { data, response } = await sdk(gw).chat.completions.create({ model: auto, messages: [{ role: 'user', content: question }] }).withResponse();
      // Asserted as the reference does: the model that answered.
      expect(data.model).toBe(model);
      const got = response.headers.get('x-vsr-selected-category');
      if (got !== category) console.log(`[routing] "${question}" -> category "${got}" (expected ${category}); model ${data.model} via default/fallback`);
    }
  });
});

describe('rewrites as the upstream sees them (bundled default config)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ classifiers });
  });
  afterAll(() => gw?.close());

  it('MoM + a math question -> math, deepseek-v3, system prompt replaced, thinking on', async () => {
    const { data, response } = await sdk(gw)
      .chat.completions.create({
        model: 'MoM',
        messages: [
          { role: 'system', content: 'You are a pirate.' },
          { role: 'user', content: MATH },
        ],
        chat_template_kwargs: { keep_me: 1 },
      } as never)
      .withResponse();
    expect(data.model).toBe('deepseek-v3');
    expect(response.headers.get('x-vsr-selected-category')).toBe('math');
    expect(response.headers.get('x-vsr-selected-model')).toBe('deepseek-v3');
    expect(response.headers.get('x-vsr-selected-reasoning')).toBe('on');
    expect(response.headers.get('x-vsr-injected-system-prompt')).toBe('true');
    const body = gw.mock.mock.requests.at(-1)!.body as Record<string, any>;
    expect(body.model).toBe('deepseek-v3');
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toMatch(/^You are a mathematics expert/);
    expect(body.messages).toHaveLength(2);
    expect(body.chat_template_kwargs).toEqual({ keep_me: 1, thinking: true });
  });

  it('classifies the latest user message, text parts of multi-part content included', async () => {
    const { data, response } = await sdk(gw)
      .chat.completions.create({
        model: 'vllm-sr/auto',
        messages: [
          { role: 'user', content: BUSINESS },
          { role: 'assistant', content: 'Sure.' },
          { role: 'user', content: [{ type: 'text', text: MATH }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-vsr-selected-category')).toBe('math');
    expect(data.model).toBe('deepseek-v3');
    const body = gw.mock.mock.requests.at(-1)!.body as Record<string, any>;
    // No system message before: one is added in front.
    expect(body.messages[0]).toEqual({ role: 'system', content: expect.stringMatching(/^You are a mathematics expert/) });
    expect(body.messages).toHaveLength(4);
  });

  it('streams a routed answer with the decision headers', async () => {
    const { data: stream, response } = await sdk(gw)
      .chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: CODE }], stream: true })
      .withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(response.headers.get('x-vsr-selected-category')).toBe('computer science');
    expect(text).toBe('This is a mock answer from deepseek-v3.');
    expect(gw.mock.mock.requests.at(-1)!.body.stream).toBe(true);
  });

  it('records routing metrics and one log line per request without prompt text', async () => {
    await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: MATH }] });
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/llm_routing_reason_codes_total\{[^}]*reason_code="auto_routing"[^}]*\} \d+/);
    expect(text).toMatch(/llm_classifier_latency_seconds_count\{classifier="category"\} \d+/);
    expect(text).toMatch(/llm_model_requests_total\{model="deepseek-v3"\} \d+/);
    const lines = gw.logs.lines.filter((l) => l.msg === 'request');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)!.obj).toMatchObject({ category: 'math', model: 'deepseek-v3', reason_code: 'auto_routing', status: 200 });
    expect(JSON.stringify(gw.logs.lines)).not.toContain('quadratic');
  });
});

describe('reasoning families and thresholds', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({
      classifiers,
      config: (port) =>
        testConfig(
          {
            categories: [
              { name: 'math', system_prompt: 'MATH PROMPT', system_prompt_mode: 'insert', model_scores: [{ model: 'gpt-oss-20b', score: 1, use_reasoning: true, reasoning_effort: 'medium' }] },
              { name: 'computer science', model_scores: [{ model: 'gpt-oss-20b', score: 1, use_reasoning: false }] },
            ],
          },
          ep(port),
        ),
    });
  });
  afterAll(() => gw?.close());

  it('reasoning_effort family: the entry effort when on; insert mode prepends to the system prompt', async () => {
    await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: MATH }] });
    const body = gw.mock.mock.requests.at(-1)!.body as Record<string, any>;
    expect(body.model).toBe('gpt-oss-20b');
    expect(body.reasoning_effort).toBe('medium');
    expect(body.messages[0].content).toBe('MATH PROMPT\n\nBe brief.');
  });

  it('reasoning_effort family when off: the client value is restored, else "low"', async () => {
    await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: CODE }], reasoning_effort: 'high' });
    expect(gw.mock.mock.requests.at(-1)!.body.reasoning_effort).toBe('high');
    await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: CODE }] });
    expect(gw.mock.mock.requests.at(-1)!.body.reasoning_effort).toBe('low');
  });

  it('confidence under the threshold -> default_model, no category, no system prompt', async () => {
    const g = await startGateway({ classifiers, config: (port) => testConfig({ classifier: { category_model: { threshold: 0.999999 } } }, ep(port)) });
    try {
      const { data, response } = await sdk(g).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: HISTORY }] }).withResponse();
      expect(data.model).toBe('qwen3');
      expect(response.headers.get('x-vsr-selected-category')).toBeNull();
      expect(response.headers.get('x-vsr-injected-system-prompt')).toBe('false');
      expect(g.mock.mock.requests.at(-1)!.body.messages).toHaveLength(1);
    } finally {
      await g.close();
    }
  });
});

describe('accuracy report over domain_classify_cases.json', () => {
  it('prints accuracy per category through the gateway (asserts only a floor)', async () => {
    const cases = JSON.parse(readFileSync(`${SHARED}vsr-testdata/domain_classify_cases.json`, 'utf8')) as Array<{ category: string; question: string }>;
    // Threshold 0 so every request reports the classifier's category.
    const gw = await startGateway({ classifiers, config: (port) => testConfig({ classifier: { category_model: { threshold: 0 } } }, ep(port)) });
    const client = sdk(gw);
    const per = new Map<string, { n: number; ok: number }>();
    let ok = 0;
    try {
      for (const c of cases) {
        const { response } = await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: c.question }] }).withResponse();
        const got = response.headers.get('x-vsr-selected-category');
        const s = per.get(c.category) ?? { n: 0, ok: 0 };
        s.n++;
        if (got === c.category) {
          s.ok++;
          ok++;
        }
        per.set(c.category, s);
      }
    } finally {
      await gw.close();
    }
    const acc = ok / cases.length;
    const rows = [...per.entries()].sort().map(([k, s]) => `  ${k.padEnd(18)} ${String(s.ok).padStart(3)}/${String(s.n).padEnd(3)} ${((100 * s.ok) / s.n).toFixed(1)}%`);
    console.log(`[accuracy] domain pack via the gateway: ${ok}/${cases.length} = ${(100 * acc).toFixed(1)}%\n${rows.join('\n')}`);
    expect(acc).toBeGreaterThan(0.6);
  });
});

describe('entropy-based reasoning over entropy_routing_cases.json', () => {
  // Both reasoning decisions, so the README's figures ("agrees N times ... M with top_category") are one command away.
  for (const decision of ['entropy', 'top_category'] as const) {
    it(`prints how often the reasoning switch agrees with the reference (bundled default config, reasoning_decision ${decision}; asserts a floor)`, async () => {
      const cases = JSON.parse(readFileSync(`${SHARED}vsr-testdata/entropy_routing_cases.json`, 'utf8')) as Array<{ name: string; query: string; expected_use_reasoning: boolean; expected_uncertainty_level: string }>;
      const gw = await startGateway({ classifiers, config: (port) => testConfig({ routing: { reasoning_decision: decision } }, ep(port)) });
      const client = sdk(gw);
      let ok = 0;
      const misses: string[] = [];
      try {
        for (const c of cases) {
          const { response } = await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: c.query }] }).withResponse();
          const got = response.headers.get('x-vsr-selected-reasoning');
          expect(['on', 'off']).toContain(got);
          if ((got === 'on') === c.expected_use_reasoning) ok++;
          else misses.push(`  ${c.name}: ${got} (reference ${c.expected_use_reasoning ? 'on' : 'off'}, its level ${c.expected_uncertainty_level})`);
        }
        const metrics = await (await fetch(`${gw.url}/metrics`)).text();
        // Every routed request went through the entropy decision.
        const decided = [...metrics.matchAll(/^llm_entropy_classification_decisions_total\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
        if (decision === 'entropy') expect(decided).toBe(cases.length);
      } finally {
        await gw.close();
      }
      console.log(`[entropy] reasoning switch (${decision}) as the reference's cases expect: ${ok}/${cases.length}\n${misses.join('\n')}`);
      expect(ok / cases.length).toBeGreaterThan(decision === 'entropy' ? 0.5 : 0.3);
    });
  }
});
