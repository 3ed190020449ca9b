// The Worker shares the endpoint pool with Node (src/upstream/pool.ts): vllm_endpoints[].models
// decides which endpoints serve a model there too. Every endpoint is the mock here (SEMROUTE_UPSTREAM
// rewrites their addresses), so what is checked is the choice: a served model is answered, one no
// list names is 404 model_not_found without an upstream request (chat and a passed-through path).
import { env, createExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, any>;
doc.prompt_guard.enabled = false;
doc.vllm_endpoints = [
  { name: 'production-stack', address: '127.0.0.1', port: 8000, models: ['qwen3', 'deepseek-v3', 'gpt-oss-20b'] },
  { name: 'b', address: '127.0.0.1', port: 8001, models: ['m-b'] },
];
const yaml = `${stringifyYaml(doc)}\n# endpoint-models\n`;
const call = (path: string, body: unknown) =>
  worker.fetch(new Request(`https://semroute.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), { ...(env as unknown as WorkerEnv), SEMROUTE_CONFIG: yaml }, createExecutionContext());

describe('Worker: vllm_endpoints[].models', () => {
  it('a model an endpoint lists is answered', async () => {
    const res = await call('/v1/chat/completions', { model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    await res.text();
  });

  it.each([
    ['/v1/chat/completions', { model: 'm-nowhere', messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/completions', { model: 'm-nowhere', prompt: 'hi' }],
  ])('a model no endpoint serves: 404 model_not_found (%s)', async (path, body) => {
    const res = await call(path, body);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: Record<string, unknown> }).error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
  });
});
