// The Production Stack's other OpenAI endpoints through the gateway (server.passthrough_paths): the
// official `openai` SDK -> semroute (real socket) -> mock Production Stack router (real socket).
// Before: every one of them answered 404 unknown_url, so semroute was no drop-in for its clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { startOpenAiGateway } from './helpers/openai-gateway.ts';
import { mockEmbedding } from '../../src/mock/text-answers.ts';

let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  ({ gw, client } = await startOpenAiGateway());
});
afterAll(() => gw?.close());

const lastSeen = () => gw.mock.mock.requests.at(-1)!;

describe('POST /v1/completions', () => {
  it('passes a plain completion through unchanged, with the session header and request id', async () => {
    const { data, response } = await client.completions
      .create({ model: 'qwen3', prompt: 'Say something nice', max_tokens: 7, temperature: 0.3 }, { headers: { 'x-user-id': 'alice', 'x-request-id': 'cmpl-req-1' } })
      .withResponse();
    expect(data.object).toBe('text_completion');
    expect(data.model).toBe('qwen3');
    expect(data.choices[0]!.text).toBe('This is a mock answer from qwen3.');
    expect(data.usage).toEqual({ prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 });
    expect(response.headers.get('x-request-id')).toBe('cmpl-req-1');
    const seen = lastSeen();
    expect(seen.path).toBe('/v1/completions');
    // The body as the client sent it: nothing added, nothing rewritten.
    expect(seen.body).toEqual({ model: 'qwen3', prompt: 'Say something nice', max_tokens: 7, temperature: 0.3 });
    expect(seen.headers['x-user-id']).toBe('alice');
    expect(seen.headers['x-request-id']).toBe('cmpl-req-1');
    expect(seen.headers['authorization']).toBe('Bearer test-key');
    expect(seen.headers['content-type']).toBe('application/json');
  });

  it('generates a request id when the client sends none, forwards and echoes it', async () => {
    const { response } = await client.completions.create({ model: 'deepseek-v3', prompt: 'hi' }).withResponse();
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lastSeen().headers['x-request-id']).toBe(id);
  });

  it('streams chunk by chunk: the first text arrives before a slow upstream has finished', async () => {
    const t0 = performance.now();
    const stream = await client.completions.create(
      { model: 'deepseek-v3', prompt: 'stream please', stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-mock-chunk-delay-ms': '150' } },
    );
    let firstAt = 0;
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      if (!firstAt) firstAt = performance.now() - t0;
      expect(chunk.model).toBe('deepseek-v3');
      text += chunk.choices[0]?.text ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    const total = performance.now() - t0;
    expect(text).toBe('This is a mock answer from deepseek-v3.');
    expect(usage).toEqual({ prompt_tokens: 2, completion_tokens: 7, total_tokens: 9 });
    // 8 more events after the first, 150 ms apart: a buffered answer would arrive all at the end.
    expect(total - firstAt).toBeGreaterThan(800);
    expect(lastSeen().stream).toBe(true);
  });

  it('answers an auto model name with a clear 400 and never reaches the upstream', async () => {
    const before = gw.mock.mock.requests.length;
    const err = await client.completions.create({ model: 'MoM', prompt: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.code).toBe('auto_model_not_routed');
    expect(e.param).toBe('model');
    expect(e.message).toContain('/v1/chat/completions');
    expect(gw.mock.mock.requests.length).toBe(before);
  });

  it("gives the upstream's errors OpenAI-shaped, with the upstream's status", async () => {
    const notServed = await client.completions.create({ model: 'no-such-model', prompt: 'hi' }).catch((e: unknown) => e);
    expect(notServed).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notServed as Error).message).toContain('Model no-such-model not found');
    const res = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-status': '503' },
      body: JSON.stringify({ model: 'qwen3', prompt: 'hi' }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { message: 'Mock failure with status 503', type: 'MockError', param: null, code: 503 } });
  });
});

describe('POST /v1/embeddings', () => {
  it('passes embeddings through (the SDK asks for base64 and decodes it)', async () => {
    const { data, response } = await client.embeddings.create({ model: 'Model-A', input: ['first text', 'second text'] }).withResponse();
    expect(response.status).toBe(200);
    expect(data.model).toBe('Model-A');
    expect(data.data.map((d) => d.embedding)).toEqual([mockEmbedding('first text', 8), mockEmbedding('second text', 8)]);
    expect(data.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    expect(lastSeen().path).toBe('/v1/embeddings');
    expect(lastSeen().body.encoding_format).toBe('base64');
  });

  it('float vectors, with dimensions', async () => {
    const data = await client.embeddings.create({ model: 'qwen3', input: 'one text', encoding_format: 'float', dimensions: 16 });
    expect(data.data).toHaveLength(1);
    expect(data.data[0]!.embedding).toEqual(mockEmbedding('one text', 16));
  });
});

describe('what is not passed through', () => {
  it.each([
    ['POST', '/v1/files'],
    ['POST', '/v1/completions/extra'],
    ['GET', '/v1/unknown'],
    ['POST', '/admin/config'],
  ])('%s %s stays an OpenAI 404', async (method, path) => {
    const before = gw.mock.mock.requests.length;
    const res = await fetch(`${gw.url}${path}`, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{"model":"qwen3"}' } : {}) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    expect(gw.mock.mock.requests.length).toBe(before);
  });

  it("a listed path the gateway serves itself stays the gateway's", async () => {
    const own = await startGateway({
      config: (port) => testConfig({ server: { passthrough_paths: ['/health', '/v1/chat/completions', '/v1/embeddings'] } }, [{ name: 'production-stack', address: '127.0.0.1', port }]),
    });
    try {
      expect(await (await fetch(`${own.url}/health`)).json()).toEqual({ status: 'healthy', service: 'semroute' });
      expect(own.mock.mock.requests).toHaveLength(0);
      expect(own.logs.lines.filter((l) => l.level === 'warn').map((l) => l.obj.path)).toEqual(['/health', '/v1/chat/completions']);
      const res = await fetch(`${own.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"qwen3","prompt":"x"}' });
      expect(res.status).toBe(404);
    } finally {
      await own.close();
    }
  });

  it('server.passthrough_paths takes exact paths only', () => {
    // A trailing slash, an empty, '.' or '..' segment spell a route the engine resolves to another
    // path, one the guard would not recognise as /v1/completions: refused, not normalised.
    for (const bad of ['v1/completions', '/v1/files/*', '/v1/files/:id', '/v1/completions?x=1', '/v1/completions/', '//v1/completions', '/v1/./completions', '/v1/x/../completions', '/']) {
      expect(() => testConfig({ server: { passthrough_paths: [bad] } }), bad).toThrow(/server\.passthrough_paths\[0\]: an exact absolute path/);
    }
  });

  it('an empty server.passthrough_paths passes nothing', async () => {
    const closed = await startGateway({ config: (port) => testConfig({ server: { passthrough_paths: [] } }, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
    try {
      const res = await fetch(`${closed.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"qwen3","prompt":"x"}' });
      expect(res.status).toBe(404);
      expect(closed.mock.mock.requests).toHaveLength(0);
    } finally {
      await closed.close();
    }
  });
});

describe('cancellation and idle upstreams', () => {
  const waitFor = async (cond: () => boolean, ms = 3000) => {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return cond();
  };

  it('a client that leaves a streamed completion cancels the upstream request', async () => {
    const ctl = new AbortController();
    const stream = await client.completions.create(
      { model: 'qwen3', prompt: 'a long one', stream: true },
      { headers: { 'x-mock-chunk-delay-ms': '200', 'x-request-id': 'pt-leave-1' }, signal: ctl.signal },
    );
    for await (const _ of stream) break;
    const record = lastSeen();
    expect(record.path).toBe('/v1/completions');
    expect(await waitFor(() => record.cancelled === true)).toBe(true);
    expect(record.completed).toBeUndefined();
    expect(await waitFor(() => gw.logs.lines.some((l) => l.obj.request_id === 'pt-leave-1'))).toBe(true);
    expect(gw.logs.lines.find((l) => l.obj.request_id === 'pt-leave-1')!.obj).toMatchObject({ status: 200, error_reason: 'cancellation' });
  });

  it('a client that leaves while the upstream has not answered yet cancels it too', async () => {
    const ctl = new AbortController();
    const pending = client.embeddings.create({ model: 'qwen3', input: 'x' }, { headers: { 'x-mock-delay-ms': '3000' }, signal: ctl.signal }).catch((e: unknown) => e);
    expect(await waitFor(() => lastSeen().path === '/v1/embeddings' && lastSeen().headers['x-mock-delay-ms'] === '3000')).toBe(true);
    ctl.abort();
    await pending;
    expect(await waitFor(() => lastSeen().cancelled === true)).toBe(true);
  });

  it('an upstream slower than upstream.timeout_ms: 504 upstream_timeout', async () => {
    const slow = await startGateway({ config: (port) => testConfig({ upstream: { timeout_ms: 200 } }, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
    try {
      const res = await fetch(`${slow.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mock-delay-ms': '1500' }, body: '{"model":"qwen3","prompt":"x"}' });
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    } finally {
      await slow.close();
    }
  });

  it('a stream that goes silent past upstream.idle_timeout_ms ends with an OpenAI error event', async () => {
    const idle = await startGateway({ config: (port) => testConfig({ upstream: { idle_timeout_ms: 150 } }, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
    try {
      const res = await fetch(`${idle.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-chunk-delay-ms': '600' },
        body: '{"model":"qwen3","prompt":"x","stream":true}',
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('"code":"upstream_idle_timeout"');
      expect(text).not.toContain('[DONE]');
    } finally {
      await idle.close();
    }
  });
});

describe('metrics and logs', () => {
  it('counts passed-through requests and logs them without the body', async () => {
    await client.completions.create({ model: 'gpt-oss-20b', prompt: 'a secret prompt 4242', stream: false }, { headers: { 'x-request-id': 'pt-log-1' } });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/semroute_passthrough_requests_total\{path="\/v1\/completions",code="200"\} [1-9]/);
    expect(metrics).toMatch(/semroute_passthrough_requests_total\{path="\/v1\/embeddings",code="200"\} [1-9]/);
    expect(metrics).toMatch(/llm_model_completion_tokens_total\{model="gpt-oss-20b"\} [1-9]/);
    const line = gw.logs.lines.find((l) => l.obj.request_id === 'pt-log-1')!;
    expect(line.obj).toMatchObject({ event: 'request', method: 'POST', path: '/v1/completions', status: 200, outcome: 'upstream', requested_model: 'gpt-oss-20b', endpoint: 'production-stack' });
    expect(line.obj.tokens).toEqual({ prompt: 4, completion: 7, total: 11 });
    expect(JSON.stringify(gw.logs.lines)).not.toContain('4242');
  });
});
