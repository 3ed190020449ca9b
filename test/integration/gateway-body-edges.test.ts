// Request bodies a real client sends that a plain "messages of strings" test does not: what the
// upstream (the mock, on a real socket) receives must mean what the client sent, or the client gets
// an OpenAI-shaped 400 instead of a silently different request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startGateway, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.close());

const post = (body: string) => rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body });
const lastSeen = () => gw.mock.mock.requests.at(-1)!;

describe('request bodies', () => {
  it('a number JSON cannot hold (1e400) is refused, not forwarded as null', async () => {
    const before = gw.mock.mock.requests.length;
    const res = await post('{"model":"qwen3","messages":[{"role":"user","content":"hi"}],"temperature":1e400}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', param: 'temperature' });
    expect(gw.mock.mock.requests.length).toBe(before);
  });

  it('an integer beyond 2^53 (a 64-bit seed) is forwarded as written, not rounded (more in gateway-exact-integers)', async () => {
    const res = await post('{"model":"qwen3","messages":[{"role":"user","content":"hi"}],"seed":9007199254740993}');
    expect(res.status).toBe(200);
    expect(lastSeen().raw).toContain('"seed":9007199254740993');
  });

  it('long digit runs inside strings and exact numbers pass untouched', async () => {
    const res = await post('{"model":"qwen3","messages":[{"role":"user","content":"order 12345678901234567890 1e400"}],"seed":9007199254740991,"temperature":0.7,"logit_bias":{"1234":-100}}');
    expect(res.status).toBe(200);
    expect(lastSeen().body).toMatchObject({ seed: 9007199254740991, temperature: 0.7, logit_bias: { '1234': -100 } });
  });

  it('unknown fields, n, stream_options, tool and function messages, null content and image-only parts are forwarded as sent', async () => {
    const body = {
      model: 'qwen3',
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
      x_vendor: { nested: [1, 'two', null, { deep: true }] },
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'result' },
        { role: 'function', name: 'f', content: 'legacy' },
        { role: 'user', content: 'and now?' },
      ],
    };
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.body.trim().endsWith('data: [DONE]')).toBe(true);
    expect(lastSeen().body).toEqual(body);
  });

  it('a UTF-8 BOM is tolerated; duplicate keys resolve to the last one, for routing and forwarding alike', async () => {
    expect((await post('\uFEFF{"model":"qwen3","messages":[{"role":"user","content":"hi"}]}')).status).toBe(200);
    const res = await post('{"model":"MoM","model":"qwen3","messages":[{"role":"user","content":"hi"}]}');
    expect(res.status).toBe(200);
    expect(res.headers['x-vsr-selected-model']).toBe('qwen3');
    expect(lastSeen().body.model).toBe('qwen3');
  });

  it('stream not a bool vLLM reads (lax "true" streams: openai-lax-values), model not a string (none: default_model, openai-missing-model) -> 400 OpenAI-shaped', async () => {
    for (const [body, param] of [
      ['{"model":"qwen3","stream":"maybe","messages":[{"role":"user","content":"hi"}]}', 'stream'],
      ['{"model":["qwen3"],"messages":[{"role":"user","content":"hi"}]}', 'model'],
      ['{"model":7,"messages":[{"role":"user","content":"hi"}]}', 'model'],
    ]) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', param });
    }
  });
});

describe('request content-encoding', () => {
  it('JSON nested deeper than 512 levels gets 400 (not 500 from a re-serialisation stack overflow); 512 levels pass', async () => {
    const nest = (d: number) => `{"model":"qwen3","messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(d - 1)}${']'.repeat(d - 1)}}`;
    for (const depth of [600, 6_000, 100_000]) {
      for (const stream of [false, true]) {
        const res = await post(nest(depth).replace('"hi"}]', `"hi"}],"stream":${stream}`));
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'nested_too_deep' });
      }
    }
    // The same depth under MoM (routing, guard) and inside a message: a 16-digit number walk is recursive too.
    const deepMoM = `{"model":"MoM","messages":[{"role":"user","content":"hi","x":${'['.repeat(5000)}1234567890123456${']'.repeat(5000)}}]}`;
    expect((await post(deepMoM)).status).toBe(400);
    // A long body that is not an object at all is still just an invalid type.
    expect(JSON.parse((await post(`${' '.repeat(3000)}null`)).body).error.code).toBe('invalid_type');
    const ok = await post(nest(512));
    expect(ok.status).toBe(200);
    expect(JSON.stringify(lastSeen().body).length).toBeGreaterThan(1000);
  });

  it('a compressed request body gets 415 naming the encoding, not a misleading JSON parse error', async () => {
    const { gzipSync } = await import('node:zlib');
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] })),
    });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_content_encoding' });
  });

  it('content-encoding: identity is accepted, and the client content-encoding never travels with the re-serialised body', async () => {
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json', 'content-encoding': 'identity' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(lastSeen().headers['content-encoding']).toBeUndefined();
  });
});
