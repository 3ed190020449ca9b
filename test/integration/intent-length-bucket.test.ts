// The intent pack with its length-bucket feature (hashed-ngrams `length_weight`, trained in
// models/train/packs.ts): dev-split creative_writing prompts that the pack without it filed as
// general_chat are classified creative_writing over the classification API, and a gateway routing by
// the intent pack (packs.category: intent) sends such a prompt to the creative_writing model: Node
// gateway on a real socket, the real packs through onnxruntime-node, the mock upstream, the openai SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { postJson, realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

// Dev split of ../shared/data/intent (vicuna_bench:72 and an arena_hard_v2 row), label creative_writing.
// Without the length bucket: general_chat 0.518 (creative 0.296) and general_chat 0.585 (creative 0.346).
const RESIGNATION = 'Can you help me write a resignation letter to my current employer, while leaving on good terms and expressing gratitude for the opportunities provided?';
const MOVIE =
  'create a pan india story for movie script the movie names as sattva, the name of characters in this pan india movie story is satvik,kali,god krishna role played by rithwik , divya, the pan india movie story also explains about sattva and satvik relation ship meaning , villain role played by kali, in';

const ROUTES: Record<string, string> = { math: 'm-math', code: 'm-code', creative_writing: 'm-writer', general_chat: 'm-chat' };

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: (port) =>
      testConfig(
        {
          packs: { category: 'intent' },
          // The pack's answer on these prompts is a 4-way softmax (creative_writing 0.46 against 0.35):
          // below the default 0.5 routing would fall back to default_model and test nothing.
          classifier: { category_model: { threshold: 0.4 } },
          model_config: Object.fromEntries(Object.values(ROUTES).map((m) => [m, { pii_policy: { allow_by_default: true } }])),
          categories: Object.entries(ROUTES).map(([name, model]) => ({ name, model_scores: [{ model, score: 1, use_reasoning: false }] })),
        },
        [{ name: 'production-stack', address: '127.0.0.1', port }],
      ),
    mock: { models: Object.values(ROUTES) },
  });
}, 60_000);
afterAll(() => gw?.close());

const classify = async (text: string) => {
  const r = await postJson(gw.url, '/api/v1/classify/intent', { text, model: 'intent', options: { return_probabilities: true } });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  expect(r.json.pack).toBe('intent');
  return { ...(r.json.classification as { category: string; confidence: number }), probabilities: r.json.probabilities as Record<string, number> };
};

describe('intent pack with the length bucket', () => {
  it('/api/v1/classify/intent files the two dev creative_writing prompts as creative_writing', async () => {
    for (const text of [RESIGNATION, MOVIE]) {
      const c = await classify(text);
      expect(c.category, text.slice(0, 40)).toBe('creative_writing');
      expect(c.probabilities.creative_writing).toBeGreaterThan(c.probabilities.general_chat!);
    }
  });

  it('routing by the intent pack sends the resignation letter to the creative_writing model (openai SDK)', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: RESIGNATION }] }).withResponse();
    expect(response.headers.get('x-vsr-selected-category')).toBe('creative_writing');
    expect(response.headers.get('x-vsr-selected-model')).toBe('m-writer');
    expect((gw.mock.mock.requests.at(-1)!.body as { model: string }).model).toBe('m-writer');
  });

  it('the other classes still route to their models', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const cases: Array<[string, string]> = [
      ['Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether?', 'm-math'],
      ['Write a Python function that returns the n-th Fibonacci number using memoization.', 'm-code'],
      ['who sang the song i will always love you first', 'm-chat'],
    ];
    for (const [content, model] of cases) {
      const { response } = await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content }] }).withResponse();
      expect(response.headers.get('x-vsr-selected-model'), content).toBe(model);
    }
  });
});
