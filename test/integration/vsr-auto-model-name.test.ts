// The reference's v0.1 router options at the top of config.yaml: `auto_model_name` (the name clients
// send for automatic routing; "auto" stays accepted for backward compatibility) and
// `include_config_models_in_list` (false: GET /v1/models lists only the auto name). semroute reported
// both as unknown keys and ignored them, so with `auto_model_name: Router` a request for "Router" went
// to the engine as a model name (404) instead of being routed. Now the first sets
// routing.auto_model_names to [name, auto] unless those are written, and an explicit false of the
// second leaves configured models out of the list. The openai SDK over real sockets, the mock upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { validateConfig } from '../../src/config/index.ts';
import { startGateway, type Gateway } from './gateway-harness.ts';

describe('auto_model_name and include_config_models_in_list (reference v0.1 keys)', () => {
  let gw: Gateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({
      // A reference-shaped document (testConfig starts from semroute's default, which writes routing.auto_model_names).
      config: (port) =>
        validateConfig({
          default_model: 'qwen3',
          vllm_endpoints: [{ name: 'production-stack', address: '127.0.0.1', port }],
          model_config: { qwen3: { reasoning_family: 'qwen3' }, 'deepseek-v3': {} },
          reasoning_families: { qwen3: { type: 'chat_template_kwargs', parameter: 'enable_thinking' } },
          auto_model_name: 'Router',
          include_config_models_in_list: false,
          prompt_guard: { enabled: false },
          routing: { enabled: false },
        }).config,
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
  });
  afterAll(() => gw?.close());

  it('a request for the auto name is routed (to default_model here); "auto" is too', async () => {
    for (const name of ['Router', 'auto']) {
      const { data, response } = await client.chat.completions.create({ model: name, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(data.model).toBe('qwen3');
      expect(response.headers.get('x-vsr-selected-model')).toBe('qwen3');
      expect(gw.mock.mock.requests.at(-1)!.body.model).toBe('qwen3');
    }
  });

  it('"MoM" is no auto name then: it goes to the engine as written (the mock serves no such model)', async () => {
    await expect(client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404 });
  });

  it('GET /v1/models lists the auto names only', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['Router', 'auto']);
  });

  it('no warning for either key; routing.auto_model_names, when written, wins', () => {
    const base = { default_model: 'm', vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }] };
    const loaded = validateConfig({ ...base, auto_model_name: 'Router', include_config_models_in_list: true });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.routing.auto_model_names).toEqual(['Router', 'auto']);
    expect(validateConfig({ ...base, auto_model_name: 'Router', routing: { auto_model_names: ['X'] } }).config.routing.auto_model_names).toEqual(['X']);
    expect(validateConfig(base).config.routing.auto_model_names).toEqual(['MoM', 'auto', 'vllm-sr/auto']);
  });
});
