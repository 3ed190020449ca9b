// Which endpoint a model goes to, with several vllm_endpoints on real node:http upstreams:
// - vllm_endpoints[].models (the reference's v0.1 key): a model only endpoint B lists goes to B, never
//   to A; endpoints with no list serve any model; a name no endpoint serves is 404 model_not_found
//   (chat and passed-through paths, no upstream asked), a routed one 502 naming it, and the config
//   check names such a model at start-up;
// - model_config.<m>.preferred_endpoints with weights: the traffic splits by weight among the named
//   endpoints only; one that stops is skipped (retries counted) and gets traffic again once it is
//   back and upstream.down_ms has passed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { validateConfig, loadDefaultConfig } from '../../src/config/index.ts';

interface Upstream {
  name: string;
  port: number;
  seen: string[];
  server: http.Server;
}

async function upstream(name: string, port = 0): Promise<Upstream> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      const model = b ? (JSON.parse(b) as { model?: string }).model ?? '' : '';
      seen.push(model);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: name }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { name, port: (server.address() as net.AddressInfo).port, seen, server };
}
const stop = async (u: Upstream) => {
  u.server.closeAllConnections();
  await new Promise((r) => u.server.close(r));
};
const chat = (gw: Gateway, model: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
const answeredBy = async (gw: Gateway, model: string) => (await chat(gw, model)).choices[0].message.content;

let a: Upstream;
let b: Upstream;
let c: Upstream;
beforeAll(async () => {
  [a, b, c] = await Promise.all([upstream('A'), upstream('B'), upstream('C')]);
});
afterAll(async () => {
  await Promise.all([a, b, c].map(stop));
});
beforeEach(() => {
  for (const u of [a, b, c]) u.seen.length = 0;
});

describe('vllm_endpoints[].models', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({
      config: () =>
        testConfig({ routing: { enabled: false } }, [
          // production-stack: the name the default config's models prefer.
          { name: 'production-stack', address: '127.0.0.1', port: a.port, models: ['qwen3', 'deepseek-v3', 'gpt-oss-20b', 'm-a'] },
          { name: 'B', address: '127.0.0.1', port: b.port, models: ['m-b', 'm-shared'] },
          { name: 'C', address: '127.0.0.1', port: c.port, models: ['m-shared'] },
        ]),
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('a model only B lists goes to B, every time; one only A lists to A; a shared one to both', async () => {
    for (let i = 0; i < 6; i++) expect(await answeredBy(gw, 'm-b')).toBe('B');
    for (let i = 0; i < 4; i++) expect(await answeredBy(gw, 'm-a')).toBe('A');
    const shared = [];
    for (let i = 0; i < 4; i++) shared.push(await answeredBy(gw, 'm-shared'));
    expect(shared.sort()).toEqual(['B', 'B', 'C', 'C']);
    expect(a.seen).toEqual(['m-a', 'm-a', 'm-a', 'm-a']);
    expect(b.seen.filter((m) => m === 'm-b')).toHaveLength(6);
  });

  it('passed-through paths too: /v1/completions for m-b goes to B', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm-b', prompt: 'hi' }) });
      expect(res.status).toBe(200);
      await res.text();
    }
    expect(b.seen).toEqual(['m-b', 'm-b', 'm-b']);
    expect(a.seen.length + c.seen.length).toBe(0);
  });

  it('a model no endpoint serves: 404 model_not_found (chat and passthrough), no upstream asked', async () => {
    const err = await chat(gw, 'm-nowhere').catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', message: expect.stringContaining('m-nowhere') });
    const res = await fetch(`${gw.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm-nowhere', input: 'x' }) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    expect(a.seen.length + b.seen.length + c.seen.length).toBe(0);
  });
});

describe('a routed model no endpoint serves', () => {
  it('502 no_endpoint naming the model; the config check names it at start-up', async () => {
    const eps = [{ name: 'production-stack', address: '127.0.0.1', port: a.port, models: ['qwen3'] }];
    const base = structuredClone(loadDefaultConfig().config) as unknown as Record<string, unknown>;
    const warnings = validateConfig({ ...base, default_model: 'm-nowhere', vllm_endpoints: eps }, 'test').warnings;
    expect(warnings.some((w) => w.includes('"m-nowhere"') && w.includes('no vllm_endpoints entry serves it'))).toBe(true);
    // deepseek-v3 (routed by the default categories) prefers production-stack, which does not list it.
    expect(warnings.some((w) => w.startsWith('model_config.deepseek-v3.preferred_endpoints'))).toBe(true);
    const gw = await startGateway({ config: () => testConfig({ default_model: 'm-nowhere', routing: { enabled: false } }, eps) });
    try {
      const err = await chat(gw, 'MoM').catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error).toMatchObject({ code: 'no_endpoint', message: expect.stringContaining('m-nowhere') });
    } finally {
      await gw.close();
    }
  });
});

describe('preferred_endpoints with weights, an endpoint down and back', () => {
  it('splits 3:1 between the two named (never the third); while B is down all go to C; B gets traffic again after down_ms', async () => {
    const gw = await startGateway({
      config: () =>
        testConfig({ model_config: { 'm-w': { preferred_endpoints: ['C', 'B'] } }, upstream: { down_ms: 1500 } }, [
          { name: 'production-stack', address: '127.0.0.1', port: a.port, weight: 10 },
          { name: 'B', address: '127.0.0.1', port: b.port, weight: 3 },
          { name: 'C', address: '127.0.0.1', port: c.port, weight: 1 },
        ]),
    });
    try {
      const order = [];
      for (let i = 0; i < 8; i++) order.push(await answeredBy(gw, 'm-w'));
      expect(order.filter((x) => x === 'B')).toHaveLength(6);
      expect(order.filter((x) => x === 'C')).toHaveLength(2);
      expect(a.seen).toEqual([]);

      await stop(b);
      for (let i = 0; i < 4; i++) expect(await answeredBy(gw, 'm-w')).toBe('C');
      // One retry (the first request after the stop), then B is skipped while down (1.5 s: room for a
      // loaded machine; 300 ms let B come back within these 4 requests).
      expect(gw.metrics.render()).toMatch(/^llm_upstream_retries_total\{model="m-w"\} 1$/m);
      const warned = gw.logs.lines.filter((l) => l.level === 'warn' && l.obj.endpoint === 'B');
      expect(warned).toHaveLength(1);
      // Per endpoint on /metrics: the one refused attempt on B.
      expect(gw.metrics.render()).toMatch(/^llm_upstream_endpoint_errors_total\{endpoint="B",reason="connect"\} 1$/m);

      b = await upstream('B', b.port);
      await new Promise((r) => setTimeout(r, 1600));
      const back = [];
      for (let i = 0; i < 4; i++) back.push(await answeredBy(gw, 'm-w'));
      expect(back).toContain('B');
      expect(gw.logs.lines.some((l) => l.msg === 'upstream endpoint accepts connections again' && l.obj.endpoint === 'B')).toBe(true);
    } finally {
      await gw.close();
    }
  });
});
