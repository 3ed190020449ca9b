// x-vsr-selected-reasoning for an explicit model forwarded as the client sent it (issue #3). The
// reference (vsr.md 1.1 step 6) reports "off" for every explicit model, and semroute reported the
// client's switch read as `=== true`, so an explicit qwen3 request with no enable_thinking said off
// while Qwen3's template thinks unless the flag is false (`enable_thinking is false`); gpt-oss with no
// reasoning_effort reasons at medium (harmony's default). The header now says what the model does
// with the body as forwarded: Qwen3's switch is off only when false, DeepSeek's `if thinking` reads
// the value's truth. The body still leaves unchanged. Real sockets, the openai SDK, the mock upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
let client: OpenAI;
beforeAll(async () => {
  gw = await startGateway({
    config: (port) => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]),
    mock: { models: ['qwen3', 'deepseek-v3', 'gpt-oss-20b', 'llama-3.1-8b'] },
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
afterAll(() => gw?.close());

async function ask(model: string, extra: Record<string, unknown>, stream = false) {
  const req = { model, messages: [{ role: 'user', content: 'hi' }], ...extra, ...(stream ? { stream: true } : {}) };
  const { data, response } = await client.chat.completions.create(req as never).withResponse();
  if (stream) for await (const _ of data as unknown as AsyncIterable<unknown>) void _;
  expect(response.status).toBe(200);
  return { header: response.headers.get('x-vsr-selected-reasoning'), sent: gw.mock.mock.requests.at(-1)!.body as Record<string, unknown> };
}

describe('an explicit model: the header says whether the model thinks on the body as forwarded', () => {
  const cases: Array<[string, string, Record<string, unknown>, 'on' | 'off']> = [
    ['qwen3, no switch: Qwen3 thinks by default', 'qwen3', {}, 'on'],
    ['qwen3, other kwargs only', 'qwen3', { chat_template_kwargs: { language: 'en' } }, 'on'],
    ['qwen3, enable_thinking false', 'qwen3', { chat_template_kwargs: { enable_thinking: false } }, 'off'],
    ['qwen3, enable_thinking "sometimes" (not false: the template thinks)', 'qwen3', { chat_template_kwargs: { enable_thinking: 'sometimes' } }, 'on'],
    ['qwen3, enable_thinking null (not false)', 'qwen3', { chat_template_kwargs: { enable_thinking: null } }, 'on'],
    ['deepseek, no switch: V3.1 does not think by default', 'deepseek-v3', {}, 'off'],
    ['deepseek, thinking "sometimes" (`if thinking` is true)', 'deepseek-v3', { chat_template_kwargs: { thinking: 'sometimes' } }, 'on'],
    ['deepseek, thinking null', 'deepseek-v3', { chat_template_kwargs: { thinking: null } }, 'off'],
    ['gpt-oss, no effort: harmony reasons at medium', 'gpt-oss-20b', {}, 'on'],
    ['gpt-oss, effort low', 'gpt-oss-20b', { reasoning_effort: 'low' }, 'off'],
    ['gpt-oss, effort high', 'gpt-oss-20b', { reasoning_effort: 'high' }, 'on'],
    ['a model without a family, no switch: nothing known, off', 'llama-3.1-8b', {}, 'off'],
  ];
  for (const [name, model, extra, want] of cases) {
    it(`${name} -> ${want}`, async () => {
      const r = await ask(model, extra);
      expect(r.header).toBe(want);
      // Forwarded as sent: nothing was added or taken away.
      expect(r.sent.chat_template_kwargs).toEqual(extra.chat_template_kwargs);
      expect(r.sent.reasoning_effort).toEqual(extra.reasoning_effort);
    });
  }

  it('a stream says the same', async () => {
    expect((await ask('qwen3', {}, true)).header).toBe('on');
    expect((await ask('qwen3', { chat_template_kwargs: { enable_thinking: false } }, true)).header).toBe('off');
  });
});
