// Qwen3's soft switches (issue #3): with enable_thinking true (or absent: Qwen3 thinks by default),
// `/think` and `/no_think` in a user or system message switch thinking turn by turn, and the model
// follows the latest one (Qwen3's model card). x-vsr-selected-reasoning read the template switch only,
// so an explicit qwen3 request ending in `/no_think` reported "on" while the model answered with an
// empty think block. The header (and the request log) now say what the model does; the forwarded body
// stays as it was. Explicit and routed requests (real packs, every category qwen3 with reasoning on),
// the openai SDK, the mock upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { loadDefaultConfig } from '../../src/config/index.ts';
import { realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
let client: OpenAI;
beforeAll(async () => {
  const categories = loadDefaultConfig().config.categories.map((c) => ({ ...c, model_scores: [{ model: 'qwen3', score: 0.9, use_reasoning: true }] }));
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: (port) => testConfig({ categories, classifier: { category_model: { threshold: 0 } } }, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]),
    mock: { models: ['qwen3', 'deepseek-v3'] },
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
}, 120_000);
afterAll(() => gw?.close());

type Msg = { role: 'user' | 'system' | 'assistant'; content: string };
async function ask(model: string, messages: Msg[], extra: Record<string, unknown> = {}) {
  const { response } = await client.chat.completions.create({ model, messages, ...extra } as never).withResponse();
  expect(response.status).toBe(200);
  return { header: response.headers.get('x-vsr-selected-reasoning'), sent: gw.mock.mock.requests.at(-1)!.body as Record<string, any> };
}

const u = (content: string): Msg => ({ role: 'user', content });
const Q = 'How many r letters are in the word strawberry?';

describe('qwen3: the latest /think or /no_think decides whether it thinks', () => {
  const cases: Array<[string, Msg[], Record<string, unknown>, 'on' | 'off']> = [
    ['ends in /no_think', [u(`${Q} /no_think`)], {}, 'off'],
    ['/no_think with enable_thinking true', [u(`${Q} /no_think`)], { chat_template_kwargs: { enable_thinking: true } }, 'off'],
    ['/no_think in the system message', [{ role: 'system', content: 'You are terse. /no_think' }, u(Q)], {}, 'off'],
    ['an earlier /no_think, the latest turn says /think', [u(`${Q} /no_think`), { role: 'assistant', content: 'Three.' }, u(`And in blueberry? /think`)], {}, 'on'],
    ['an earlier /think, the latest turn says /no_think', [u(`${Q} /think`), { role: 'assistant', content: 'Three.' }, u(`And in blueberry? /no_think`)], {}, 'off'],
    ['an earlier /no_think stands while no later turn switches', [u(`${Q} /no_think`), { role: 'assistant', content: 'Three.' }, u('And in blueberry?')], {}, 'off'],
    ['/think cannot turn on what enable_thinking false turns off', [u(`${Q} /think`)], { chat_template_kwargs: { enable_thinking: false } }, 'off'],
    ['a path is no switch', [u('Open /no_thinking/notes.txt and /usr/bin/no_think_tool please')], {}, 'on'],
    ['in an assistant turn it is not the user’s switch', [u(Q), { role: 'assistant', content: 'Reply with /no_think to skip thinking.' }, u('Go on.')], {}, 'on'],
  ];
  for (const [name, messages, extra, want] of cases) {
    it(`explicit: ${name} -> ${want}`, async () => {
      const r = await ask('qwen3', messages, extra);
      expect(r.header).toBe(want);
      // Forwarded as sent.
      expect(r.sent.messages.map((m: Msg) => m.content)).toEqual(messages.map((m) => m.content));
      expect(r.sent.chat_template_kwargs).toEqual(extra.chat_template_kwargs);
    });
  }

  it('a model of another family ignores it (DeepSeek reads its template switch only)', async () => {
    expect((await ask('deepseek-v3', [u(`${Q} /think`)])).header).toBe('off');
    expect((await ask('deepseek-v3', [u(`${Q} /no_think`)], { chat_template_kwargs: { thinking: true } })).header).toBe('on');
  });

  it('routed: reasoning on for the category, the user ends in /no_think -> off; the body keeps its switch', async () => {
    const on = await ask('auto', [u(Q)]);
    expect(on.header).toBe('on');
    expect(on.sent.chat_template_kwargs).toEqual({ enable_thinking: true });
    const off = await ask('auto', [u(`${Q} /no_think`)]);
    expect(off.sent.model).toBe('qwen3');
    expect(off.header).toBe('off');
    // The switch semroute writes is the decision's, as before; the message is as sent.
    expect(off.sent.chat_template_kwargs).toEqual({ enable_thinking: true });
    expect(off.sent.messages.at(-1).content).toBe(`${Q} /no_think`);
  });

  it('a stream says the same', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'qwen3', messages: [u(`${Q} /no_think`)], stream: true }).withResponse();
    for await (const _ of data) void _;
    expect(response.headers.get('x-vsr-selected-reasoning')).toBe('off');
  });
});
