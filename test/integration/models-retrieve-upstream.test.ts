// GET /v1/models/{id} for a model the engine serves but the config does not name (issue #3). Chat
// passes such a name through to vllm_endpoints, yet the retrieve answered 404 model_not_found, so a
// client that checks the model first (openai SDK models.retrieve, LangChain's validation) gave up on a
// model it could use. Now the endpoints are asked (their GET /v1/models, with the client's
// credentials) and the engine's own entry comes back; auto names and configured models stay local.
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { rawRequest, type Gateway } from './gateway-harness.ts';
import { useOpenAiGatewayOver } from './helpers/openai-gateway.ts';

const ENGINE_MODELS = [
  { id: 'meta-llama/Llama-3.1-8B-Instruct', object: 'model', created: 7, owned_by: 'vllm', root: 'meta-llama/Llama-3.1-8B-Instruct', parent: null, max_model_len: 8192, permission: [] },
  { id: 'lora-sql', object: 'model', created: 7, owned_by: 'vllm', root: '/adapters/sql', parent: 'meta-llama/Llama-3.1-8B-Instruct', max_model_len: 8192, permission: [] },
];

interface Engine {
  port: number;
  asked: Array<{ method: string; url: string; auth?: string }>;
  status: number;
  close(): Promise<void>;
}

async function startEngine(): Promise<Engine> {
  const e: Engine = { port: 0, asked: [], status: 200, close: async () => {} };
  const server = http.createServer((req, res) => {
    e.asked.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
    req.resume();
    if (req.url !== '/v1/models') {
      // vLLM has no retrieve route: FastAPI's 404.
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
      return;
    }
    if (e.status !== 200) {
      res.writeHead(e.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad key', type: 'auth', code: e.status } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: ENGINE_MODELS }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  e.port = (server.address() as AddressInfo).port;
  e.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return e;
}

let engine: Engine;
let gw: Gateway;
let client: OpenAI;
useOpenAiGatewayOver(startEngine, (rig) => ({ up: engine, gw, client } = rig), 'sk-client');

describe('GET /v1/models/{id} for a model only the engine knows', () => {
  it("the SDK's models.retrieve gets the engine's entry (asked with the client's key)", async () => {
    const before = engine.asked.length;
    const m = await client.models.retrieve('lora-sql');
    expect(m).toMatchObject(ENGINE_MODELS[1]!);
    expect(engine.asked.slice(before)).toEqual([{ method: 'GET', url: '/v1/models', auth: 'Bearer sk-client' }]);
  });

  it('an id with a slash, sent as is or %2F-encoded', async () => {
    for (const path of ['meta-llama/Llama-3.1-8B-Instruct', 'meta-llama%2FLlama-3.1-8B-Instruct']) {
      const res = await rawRequest(`${gw.url}/v1/models/${path}`, { method: 'GET' });
      expect(res.status, path).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ id: 'meta-llama/Llama-3.1-8B-Instruct', max_model_len: 8192 });
    }
  });

  it('a model no one serves: 404 model_not_found (OpenAI shape, request id)', async () => {
    const res = await rawRequest(`${gw.url}/v1/models/no-such-model`, { method: 'GET', headers: { 'x-request-id': 'probe-1' } });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    expect(res.headers['x-request-id']).toBe('probe-1');
    await expect(client.models.retrieve('no-such-model')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('the engine refusing the client (401) is passed on, not turned into a 404', async () => {
    engine.status = 401;
    try {
      const res = await rawRequest(`${gw.url}/v1/models/lora-sql`, { method: 'GET' });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.message).toContain('bad key');
    } finally {
      engine.status = 200;
    }
  });

  it('auto names and configured models are answered locally: the engine is not asked', async () => {
    const before = engine.asked.length;
    for (const id of ['MoM', 'vllm-sr/auto', 'qwen3']) {
      const m = await client.models.retrieve(id);
      expect(m.id).toBe(id);
    }
    expect(engine.asked.length).toBe(before);
  });
});
