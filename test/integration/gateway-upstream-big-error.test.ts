// An upstream error answer larger than the gateway reads (issue #3). vLLM's validation errors can
// quote the request (pydantic's input_value), so a 400 about a huge prompt is huge too. Past the cap
// the read was dropped and the client got "The upstream answered with HTTP 400.": vLLM's message
// lost. Now the error's start is kept: the same status, an OpenAI-shaped error with the upstream's
// message as far as it was read, saying the rest was cut. Chat and a passed-through route alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { postJson } from './gateway-harness.ts';
import { ask, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';
import { MAX_ERROR_TEXT_BYTES } from '../../src/upstream/error-text.ts';

let up: ScriptedUpstream;
beforeAll(async () => {
  up = await startScriptedUpstream({}, { config: { server: { passthrough_paths: ['/v1/completions'] } } });
});
afterAll(() => up?.close());

const MESSAGE = "This model's maximum context length is 32768 tokens. However, you requested 9000000 tokens in the messages. Input: \"";
/** A vLLM-shaped error whose message quotes `padBytes` of the prompt; gzip when asked (small on the wire). */
function bigError(status: number, padBytes: number, gzip = false) {
  const body = Buffer.concat([Buffer.from(`{"error":{"message":"${MESSAGE.replace(/"/g, '\\"')}`), Buffer.alloc(padBytes, 0x61), Buffer.from('","type":"BadRequestError","param":null,"code":400}}')]);
  up.handler = (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(gzip ? zlib.gzipSync(body) : body);
  };
}

describe('an upstream error larger than the gateway reads', () => {
  it.each([
    ['chat, 70 MiB (past the 64 MiB answer cap)', '/v1/chat/completions', 70 << 20, false],
    ['chat, 2 MiB gzip', '/v1/chat/completions', 2 << 20, true],
    ['a passed-through route, 3 MiB', '/v1/completions', 3 << 20, false],
  ])('%s: the status, the upstream message as far as read, and that it was cut', async (_, path, pad, gzip) => {
    bigError(400, pad, gzip);
    const body = path === '/v1/completions' ? { model: 'qwen3', prompt: 'hi' } : ask;
    const r = await postJson(up.gw.url, path, body);
    expect(r.status).toBe(400);
    const e = r.json.error;
    // vLLM's type comes after the message, past the cut: the status's OpenAI type.
    expect(e).toMatchObject({ type: 'invalid_request_error', code: 400 });
    expect(e.message).toContain(MESSAGE);
    expect(e.message).toMatch(new RegExp(`larger than ${MAX_ERROR_TEXT_BYTES} bytes`));
    expect(e.message.length).toBeLessThan(MAX_ERROR_TEXT_BYTES + 1000);
    // The rest was not read: the socket is closed (a gzip answer this small has fully arrived, its
    // connection may stay pooled). The next request is served either way.
    if (!gzip) expect(await up.openSockets(0)).toBe(0);
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
    };
    expect((await postJson(up.gw.url, '/v1/chat/completions', ask)).status).toBe(200);
  });

  it('a small error passes whole, as before', async () => {
    bigError(400, 10);
    const r = await postJson(up.gw.url, '/v1/chat/completions', ask);
    expect(r.status).toBe(400);
    expect(r.json.error).toEqual({ message: `${MESSAGE}aaaaaaaaaa`, type: 'BadRequestError', param: null, code: 400 });
  });

  it('a big error that is not JSON: the status, said to be cut; the page is not passed on (as a small one)', async () => {
    up.handler = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`<html><body>Bad gateway from the proxy${' '.repeat(2 << 20)}</body></html>`);
    };
    const r = await postJson(up.gw.url, '/v1/chat/completions', ask);
    expect(r.status).toBe(502);
    expect(r.json.error.message).toBe(`The upstream answered with HTTP 502 and an error larger than ${MAX_ERROR_TEXT_BYTES} bytes; the gateway read only its start.`);
  });

  it('an error answer that breaks off: what came, said to be cut (was "The upstream answered with HTTP 503.")', async () => {
    up.handler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"error":{"message":"The engine is overloaded, retry in 5 s');
      setTimeout(() => res.destroy(), 50);
    };
    const r = await postJson(up.gw.url, '/v1/chat/completions', ask);
    expect(r.status).toBe(503);
    expect(r.json.error.message).toBe('The upstream answered with HTTP 503 and an error answer that broke off. It began: The engine is overloaded, retry in 5 s');
  });
});
