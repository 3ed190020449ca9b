// GET /v1/models and GET /v1/models/{id} through the openai SDK (models.list, models.retrieve), as a
// client of the vLLM Semantic Router or of OpenAI reads them (vsr.md 2.4). Real sockets.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
let client: OpenAI;
beforeAll(async () => {
  gw = await startGateway({
    // A classic config may name an endpoint's models only on the endpoint (vllm_endpoints[].models).
    config: (port) => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1, models: ['llama-endpoint-only'] }]),
  });
  client = new OpenAI({ apiKey: 'none', baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(() => gw?.close());

describe('models.list()', () => {
  it('the auto names, then the pool\'s models, endpoint-only ones included, in the OpenAI list shape', async () => {
    const page = await client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids.slice(0, 3)).toEqual(['MoM', 'auto', 'vllm-sr/auto']);
    expect(ids).toEqual(expect.arrayContaining(['qwen3', 'llama-endpoint-only']));
    for (const m of page.data) expect(m).toEqual({ id: expect.any(String), object: 'model', created: expect.any(Number), owned_by: expect.any(String) });
  });
});

describe('models.retrieve()', () => {
  it('answers one entry of the list for an auto name and a configured model', async () => {
    // Before: every GET /v1/models/{id} was 404 unknown_url, so models.retrieve('MoM') threw.
    const list = (await client.models.list()).data;
    for (const id of ['MoM', 'qwen3', 'llama-endpoint-only']) expect(await client.models.retrieve(id)).toEqual(list.find((m) => m.id === id));
  });

  it('an id with a slash, as the SDK sends it (%2F) and as curl does (a bare slash)', async () => {
    expect((await client.models.retrieve('vllm-sr/auto')).id).toBe('vllm-sr/auto');
    const raw = await rawRequest(`${gw.url}/v1/models/vllm-sr/auto`, { method: 'GET' });
    expect(raw.status).toBe(200);
    expect(JSON.parse(raw.body)).toMatchObject({ id: 'vllm-sr/auto', object: 'model' });
  });

  it('a model the pool does not have: 404 model_not_found, as OpenAI answers it', async () => {
    const err = await client.models.retrieve('no-such-model').catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: expect.stringContaining('no-such-model') });
  });
});

describe('another method on /v1/models/{id}', () => {
  it('405 with Allow: GET, HEAD, OPTIONS (a known path), as for the static paths', async () => {
    // Before: 404 unknown_url (the 405 check compared static paths only).
    for (const method of ['DELETE', 'POST']) {
      const res = await rawRequest(`${gw.url}/v1/models/MoM`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
      expect(JSON.parse(res.body).error.code).toBe('method_not_allowed');
    }
    // An unknown path next to it is still 404.
    expect((await rawRequest(`${gw.url}/v1/modelz/MoM`, { method: 'DELETE' })).status).toBe(404);
  });
});
