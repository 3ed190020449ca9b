// Several Set-Cookie fields from the upstream (a sticky-session load balancer or an auth proxy in
// front of vLLM sets more than one) reach the client as separate fields (issue #3). They were joined
// into one "a=1, b=2" field, which a cookie jar reads as a single cookie (RFC 6265 3: Set-Cookie
// must not be folded; an Expires date holds a comma itself).
// Real sockets on both sides: chat JSON, chat SSE, an upstream error, and a passed-through route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const COOKIES = ['lb=node-3; Path=/; HttpOnly', 'session=abc; Expires=Wed, 09 Jun 2027 10:18:14 GMT; Path=/'];

let server: http.Server;
let gw: Gateway;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      // x-test-json: an engine or proxy that ignores `stream` and answers JSON (forward.ts turns it into chunks).
      const stream = body.includes('"stream":true') && !req.headers['x-test-json'];
      const status = req.headers['x-test-status'] ? Number(req.headers['x-test-status']) : 200;
      const head: http.OutgoingHttpHeaders = {
        'set-cookie': COOKIES,
        'x-engine-replica': 'vllm-2',
        'content-type': stream && status === 200 ? 'text/event-stream' : 'application/json',
      };
      res.writeHead(status, head);
      if (status !== 200) return res.end('{"error":{"message":"nope","type":"invalid_request_error","code":400}}');
      if (!stream) return res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }] })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]) });
});
afterAll(async () => {
  await gw?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
});

const chat = (extra: Record<string, unknown>, headers: Record<string, string> = {}) =>
  rawRequest(`${gw.url}/v1/chat/completions`, {
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });

describe('several Set-Cookie fields from the upstream reach the client as separate fields', () => {
  it('chat, JSON answer', async () => {
    const res = await chat({});
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(COOKIES);
  });

  it('chat, streamed answer', async () => {
    const res = await chat({ stream: true });
    expect(res.status).toBe(200);
    expect(res.body).toContain('[DONE]');
    expect(res.headers['set-cookie']).toEqual(COOKIES);
  });

  it("chat, the upstream's error answer", async () => {
    const res = await chat({}, { 'x-test-status': '400' });
    expect(res.status).toBe(400);
    expect(res.headers['set-cookie']).toEqual(COOKIES);
  });

  it('a passed-through route (/v1/completions)', async () => {
    const res = await rawRequest(`${gw.url}/v1/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'hi' }) });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(COOKIES);
  });
});

describe('a JSON answer to a stream request (sent as chunks) keeps the upstream headers the JSON path passes', () => {
  it('raw: each Set-Cookie its own field, and a custom header', async () => {
    const plain = await chat({}, { 'x-test-json': '1' });
    const res = await chat({ stream: true }, { 'x-test-json': '1' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.body).toContain('[DONE]');
    expect(res.headers['set-cookie']).toEqual(COOKIES);
    expect(res.headers['x-engine-replica']).toBe('vllm-2');
    // The same headers as the plain answer, but for its type (and the per-answer id and date).
    const names = (h: Record<string, unknown>) => Object.keys(h).filter((k) => !['content-type', 'content-length', 'transfer-encoding', 'date', 'x-request-id'].includes(k)).sort();
    expect(names(res.headers)).toEqual(names(plain.headers));
  });

  it('fetch, as a browser or an SDK reads them', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-json': '1' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(await res.text()).toContain('[DONE]');
    expect(res.headers.getSetCookie()).toEqual(COOKIES);
    expect(res.headers.get('x-engine-replica')).toBe('vllm-2');
  });
});
