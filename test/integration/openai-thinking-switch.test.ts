// A reasoning switch in chat_template_kwargs sent as a string or a number (issue #3/#4). vLLM hands
// chat_template_kwargs (dict[str, Any]) to the Jinja template untouched: Qwen3's tests
// `enable_thinking is false`, so "false" and 0 leave the model thinking, DeepSeek's `if thinking`
// reads the non-empty "false" as on, and vLLM's reasoning parsers take bool() of it. The gateway
// read only `=== true`, so its x-vsr-selected-reasoning header and reasoning metrics said off while
// the model thought ("true", 1, "false"), and an auto-model request with nothing classified had its
// client's "true" written back as false. The words a client means as a boolean are now forwarded as
// that boolean, which every template and the header read alike. Real sockets, the openai SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let gw: Gateway; // no category pack: an auto name gets default_model (qwen3) with the client's own switch
let client: OpenAI;
beforeAll(async () => {
  gw = await startGateway({
    config: (port) => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]),
    mock: { models: ['qwen3', 'deepseek-v3', 'llama-3.1-8b'] },
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
afterAll(() => gw?.close());

const ask = async (model: string, kwargs: Record<string, unknown>) => {
  const { response } = await client.chat.completions
    .create({ model, messages: [{ role: 'user', content: 'hi' }], chat_template_kwargs: kwargs } as never)
    .withResponse();
  expect(response.status).toBe(200);
  return { header: response.headers.get('x-vsr-selected-reasoning'), sent: gw.mock.mock.requests.at(-1)!.body.chat_template_kwargs as Record<string, unknown> };
};

async function series(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const got = line.slice(name.length + 1, line.indexOf('}')).split(',');
    if (got.length === want.length && want.every((w) => got.includes(w))) return Number(line.slice(line.indexOf('}') + 1));
  }
  return 0;
}

describe('an explicit model: the switch goes as the boolean the client meant, the header says the same', () => {
  const cases: Array<[string, string, unknown, boolean]> = [
    ['qwen3', 'enable_thinking', 'true', true],
    ['qwen3', 'enable_thinking', 'false', false],
    ['qwen3', 'enable_thinking', 'False', false],
    ['qwen3', 'enable_thinking', 1, true],
    ['qwen3', 'enable_thinking', 0, false],
    ['deepseek-v3', 'thinking', 'true', true],
    ['deepseek-v3', 'thinking', 'false', false],
    ['deepseek-v3', 'thinking', '1', true],
    ['deepseek-v3', 'thinking', 0, false],
    // A model without a reasoning family: the usual switches are read (and written) the same way.
    ['llama-3.1-8b', 'enable_thinking', 'yes', true],
    ['llama-3.1-8b', 'thinking', 'off', false],
  ];
  for (const [model, key, value, on] of cases) {
    it(`${model} ${key}: ${JSON.stringify(value)} -> ${on}`, async () => {
      const r = await ask(model, { [key]: value, language: 'en' });
      expect(r.sent).toEqual({ [key]: on, language: 'en' });
      expect(r.header).toBe(on ? 'on' : 'off');
    });
  }

  it('a value that is no boolean word goes as sent', async () => {
    expect((await ask('qwen3', { enable_thinking: 'sometimes' })).sent).toEqual({ enable_thinking: 'sometimes' });
    expect((await ask('qwen3', { enable_thinking: null })).sent).toEqual({ enable_thinking: null });
  });
});

describe('an auto name with nothing classified keeps the client switch it meant', () => {
  it('"true" stays on (it was written back as false), and the reasoning metrics count it on', async () => {
    const before = await series('llm_reasoning_decisions_total', { category: '', model: 'qwen3', enabled: 'true', effort: '' });
    const r = await ask('MoM', { enable_thinking: 'true' });
    expect(r.sent).toEqual({ enable_thinking: true });
    expect(r.header).toBe('on');
    expect(await series('llm_reasoning_decisions_total', { category: '', model: 'qwen3', enabled: 'true', effort: '' })).toBe(before + 1);
    expect(await series('llm_reasoning_template_usage_total', { family: 'qwen3', param: 'enable_thinking' })).toBeGreaterThan(0);
  });

  it('"false" is off', async () => {
    const r = await ask('MoM', { enable_thinking: 'false' });
    expect(r.sent).toEqual({ enable_thinking: false });
    expect(r.header).toBe('off');
  });
});
