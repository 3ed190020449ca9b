// What a real upstream can send that the mock does not: compressed answers, hop-by-hop response
// headers, non-JSON error pages with Retry-After, headers that never come. A scripted node:http
// upstream on a real socket; the `openai` SDK and raw node:http as clients.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import OpenAI from 'openai';
import { rawRequest, type Gateway } from './gateway-harness.ts';
import { ask, chunk, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;
let gw: Gateway;
let client: OpenAI;

const completion = (content: string) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });

beforeAll(async () => {
  // 1.5 s: long enough that a loaded CI box never times out the ordinary answers (300 ms once did), short for the one test that waits it out.
  up = await startScriptedUpstream({ timeout_ms: 1500 });
  ({ gw, client } = up);
});
afterAll(async () => {
  await up?.close();
});
beforeEach(() => {
  up.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(completion('plain'));
  };
});

describe('compressed upstream answers', () => {
  for (const [enc, compress] of [
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const) {
    it(`a ${enc} JSON answer reaches the client decoded once, with no stale content-encoding`, async () => {
      up.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': enc });
        res.end(compress(Buffer.from(completion('héllo, ünïcode'))));
      };
      const { data, response } = await client.chat.completions.create(ask).withResponse();
      expect(data.choices[0].message.content).toBe('héllo, ünïcode');
      expect(response.headers.get('content-encoding')).toBeNull();
    });
  }

  it('a gzip SSE answer streams decoded to the SDK', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(chunk('a') + chunk('b', 'stop') + 'data: [DONE]\n\n'));
    };
    let text = '';
    for await (const c of await client.chat.completions.create({ ...ask, stream: true })) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('ab');
  });

  it('a gzip error answer keeps the upstream message and status', async () => {
    up.handler = (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(JSON.stringify({ object: 'error', message: 'max_tokens is too large', type: 'BadRequestError', code: 400 })));
    };
    const err = await client.chat.completions.create(ask).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(400);
    expect(err.error.message).toBe('max_tokens is too large');
  });

  it('a corrupt gzip body fails the request without taking the gateway down', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('not gzip at all');
    };
    const err = await client.chat.completions.create(ask).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion('plain'));
    };
    const ok = await client.chat.completions.create(ask);
    expect(ok.choices[0].message.content).toBe('plain');
  });

  it('a JSON answer the upstream cuts short: 502 OpenAI-shaped, not a 500', async () => {
    up.handler = (_req, res) => {
      const body = completion('cut');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 50) });
      res.write(body.slice(0, 20));
      setTimeout(() => res.destroy(), 20);
    };
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error.type).toBe('upstream_error');
  });
});

describe('errors inside a 200 stream', () => {
  // vLLM sends an error as an event of a stream that already answered 200 ({"error": {...}} or, in
  // older versions, {"object": "error", ...}). Before, it was logged and counted as a success.
  for (const [name, ev] of [
    ['{"error": {...}}', { error: { message: 'boom', type: 'BadRequestError', code: 400 } }],
    ['{"object": "error", ...}', { object: 'error', message: 'boom', type: 'BadRequestError', code: 400 }],
  ] as const) {
    it(`an in-stream error event (${name}) is counted and logged as a stream error, and reaches the client`, async () => {
      up.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(chunk('partial ') + `data: ${JSON.stringify(ev)}\n\ndata: [DONE]\n\n`);
      };
      const before = up.gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;
      const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ask, stream: true }) });
      expect(res.body).toContain('boom');
      expect(up.gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' })).toBe(before + 1);
      expect(up.gw.logs.lines.filter((l) => l.msg === 'request').at(-1)!.obj).toMatchObject({ status: 200, error_reason: 'stream_error' });
    });
  }

  it('a normal stream is no error', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(chunk('fine', 'stop') + 'data: [DONE]\n\n');
    };
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ask, stream: true }) });
    expect(res.status).toBe(200);
    expect(up.gw.logs.lines.filter((l) => l.msg === 'request').at(-1)!.obj).not.toHaveProperty('error_reason');
  });
});

describe('upstream response headers', () => {
  it('drops headers the upstream names in Connection, keeps end-to-end ones', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive, x-hop-secret', 'x-hop-secret': 'internal', 'x-end-to-end': 'kept' });
      res.end(completion('x'));
    };
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) });
    expect(res.status).toBe(200);
    expect(res.headers['x-hop-secret']).toBeUndefined();
    expect(res.headers['x-end-to-end']).toBe('kept');
  });

  it('429 with Retry-After and a plain-text body: upstream status, header kept, OpenAI-shaped', async () => {
    up.handler = (_req, res) => {
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '7' });
      res.end('slow down');
    };
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'rate_limit_error', message: expect.any(String) });
  });

  it('headers slower than upstream.timeout_ms: 504 and the upstream socket is closed', async () => {
    up.handler = () => {};
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe('upstream_timeout');
    const open = await up.openSockets(0);
    expect(open).toBe(0);
  });
});
