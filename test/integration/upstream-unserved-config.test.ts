// A model_config entry no vllm_endpoints entry serves (their `models` lists leave it out, and it has no
// preferred_endpoints): GET /v1/models lists it (one entry per configured model, as the reference), yet
// every request for it answers 404 model_not_found. The start-up check says so, as it does for a
// routed model no endpoint serves, so the operator learns it from the config check, not from clients.
// Real gateway on a real socket, the openai SDK as the client.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { loadDefaultConfig, validateConfig } from '../../src/config/index.ts';
import { startGateway, testConfig } from './gateway-harness.ts';

const endpoints = [{ name: 'production-stack', address: '127.0.0.1', port: 9, models: ['qwen3', 'deepseek-v3', 'gpt-oss-20b'] }];
const modelConfig = { 'hosted-model': { reasoning_family: 'gpt' } };

describe('a configured model no endpoint serves', () => {
  it('is listed and answered 404 by the gateway, and the config check names it', async () => {
    const gw = await startGateway({ config: () => testConfig({ model_config: modelConfig }, endpoints) });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const listed = (await client.models.list()).data.map((m) => m.id);
      expect(listed).toContain('hosted-model');
      const err = await client.chat.completions.create({ model: 'hosted-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    } finally {
      await gw.close();
    }
    const base = structuredClone(loadDefaultConfig().config) as unknown as Record<string, unknown>;
    const { warnings } = validateConfig({ ...base, model_config: { ...(base.model_config as object), ...modelConfig }, vllm_endpoints: endpoints }, 'test');
    expect(warnings.filter((w) => w.includes('hosted-model'))).toEqual([
      'model_config.hosted-model: no vllm_endpoints entry serves it (no models list names it, no preferred_endpoints): its requests answer 404 model_not_found',
    ]);
    // A configured model an endpoint serves, and one with preferred_endpoints, are not named.
    expect(warnings.some((w) => w.startsWith('model_config.qwen3:'))).toBe(false);
  });
});
