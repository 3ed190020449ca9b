// src/pipeline/reasoning-switch.ts, mutation audit 3: the usual switches (enable_thinking, thinking)
// are written back as booleans even when no configured family uses chat_template_kwargs. Every other
// test config has the qwen3/deepseek families, whose parameters are those same two names, so dropping
// the usual list changed nothing they saw. Real sockets: the openai SDK -> gateway -> recording mock.
import { afterAll, beforeAll, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({
    config: (port) =>
      testConfig(
        {
          // Every family switches through reasoning_effort: no chat_template_kwargs parameter is configured.
          reasoning_families: {
            qwen3: { type: 'reasoning_effort', parameter: 'reasoning_effort' },
            deepseek: { type: 'reasoning_effort', parameter: 'reasoning_effort' },
          },
          model_config: { 'llama-3.1-8b': { pii_policy: { allow_by_default: true } } },
        },
        [{ name: 'production-stack', address: '127.0.0.1', port }],
      ),
    mock: { models: ['llama-3.1-8b'] },
  });
  expect(Object.values(gw.config.reasoning_families).some((f) => f.type === 'chat_template_kwargs')).toBe(false);
});
afterAll(() => gw?.close());

it('enable_thinking "false" and thinking "1" reach a model without a family as booleans; other keys stay as sent', async () => {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
  const kwargs = { enable_thinking: 'false', thinking: '1', custom: 'false' };
  const { response } = await client.chat.completions
    .create({ model: 'llama-3.1-8b', messages: [{ role: 'user', content: 'hi' }], chat_template_kwargs: kwargs } as never)
    .withResponse();
  expect(response.status).toBe(200);
  expect(gw.mock.mock.requests.at(-1)!.body.chat_template_kwargs).toEqual({ enable_thinking: false, thinking: true, custom: 'false' });
  // The header reads the same meaning: thinking on.
  expect(response.headers.get('x-vsr-selected-reasoning')).toBe('on');
});
