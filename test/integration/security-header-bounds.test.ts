// Response headers built from client input stay small enough for any client to read. The model a
// client names is echoed in x-vsr-selected-model on a 2xx answer; an upstream that serves any model
// name (an OpenAI-compatible proxy with wildcard routing) answers 2xx to a made-up one. Real sockets,
// the `openai` SDK as the client (undici reads at most 16 KiB of response headers).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let upstream: http.Server;
/** x-request-id of each request the upstream got. */
const upstreamIds: string[] = [];
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  // Accepts any model and large request headers (x-selected-model carries the model to the upstream).
  upstream = http.createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      upstreamIds.push(String(req.headers['x-request-id']));
      const model = JSON.parse(body).model;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as AddressInfo).port;
  gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
});

afterAll(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

const ask = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();

describe('headers echoing client input', () => {
  it('a configured or ordinary model name is echoed as it is', async () => {
    for (const model of ['qwen3', 'my-org/some-finetune-v2', 'modèle-é']) {
      const { response, data } = await ask(model);
      expect(data.model).toBe(model);
      expect(decodeURIComponent(response.headers.get('x-vsr-selected-model')!)).toBe(model);
    }
  });

  // Was a defect: a 20 000-character model name came back in x-vsr-selected-model (60 000 bytes for
  // non-ASCII ones, percent-encoded); the SDK could not read the 200 answer (fetch failed), though the
  // upstream had done the work.
  it('a model name too long for a header: the answer is readable, the header left out, headers stay small', async () => {
    for (const model of ['a'.repeat(8192), 'a'.repeat(20_000), 'é'.repeat(8192), `x\r\nx-injected: 1${'y'.repeat(3000)}`]) {
      const { response, data } = await ask(model);
      expect(data.model).toBe(model);
      expect(response.headers.get('x-vsr-selected-model')).toBeNull();
      expect(response.headers.get('x-injected')).toBeNull();
      expect(response.headers.get('x-vsr-selected-reasoning')).toBe('off');
      let bytes = 0;
      response.headers.forEach((v, k) => (bytes += k.length + v.length + 4));
      expect(bytes).toBeLessThan(2048);
    }
  });

  it('a client x-request-id that is 10 KiB, holds a tab, a space, non-ASCII or an @ (an e-mail address), is replaced by a fresh id (echoed and sent upstream)', async () => {
    const body = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] });
    for (const id of ['r'.repeat(10 * 1024), 'a\tb', 'a b', 'caf\u00e9', 'x'.repeat(129), 'jane.doe@example.com']) {
      const r = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json', 'x-request-id': id }, body: Buffer.from(body) });
      expect(r.status).toBe(200);
      const echoed = String(r.headers['x-request-id']);
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
      expect(upstreamIds.at(-1)).toBe(echoed);
    }
    // An ordinary id is kept, so a client can find its request in the logs.
    const r = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json', 'x-request-id': 'req_01HZX.a:b/c+d=e-f' }, body: Buffer.from(body) });
    expect(r.headers['x-request-id']).toBe('req_01HZX.a:b/c+d=e-f');
    expect(upstreamIds.at(-1)).toBe('req_01HZX.a:b/c+d=e-f');
  });
});
