// Token counts of a streamed /v1/completions answer whose client did not ask for usage (issue #3).
// vLLM sends a stream's usage only when stream_options.include_usage is set, and the passed-through
// body went as sent, so the openai SDK's completions.create({ stream: true }) left no tokens and no
// cost in the metrics or the request line; chat asks for it (forward.ts). Now the same: asked for,
// counted, and taken out of what the client gets, whose stream is as it asked. A real upstream socket
// that answers as vLLM does (usage chunk only when asked), the gateway, the openai SDK.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let upstream: http.Server;
let gw: Gateway;
let client: OpenAI;
const seen: Array<Record<string, any>> = [];
const raws: string[] = [];
let upstreamUrl = '';

const event = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (text: string, finish: string | null, usage: boolean) => ({ id: 'p', object: 'text_completion', created: 1, model: 'qwen3', choices: [{ index: 0, text, finish_reason: finish }], ...(usage ? { usage: null } : {}) });

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      const body = JSON.parse(b);
      seen.push(body);
      raws.push(b);
      const usage = body.stream_options?.include_usage === true;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(event(chunk('Hel', null, usage)));
      res.write(event(chunk('lo', 'length', usage)));
      if (usage) res.write(event({ id: 'p', object: 'text_completion', created: 1, model: 'qwen3', choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } }));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as AddressInfo).port;
  upstreamUrl = `http://127.0.0.1:${port}`;
  gw = await startGateway({
    config: () =>
      testConfig(
        { model_config: { qwen3: { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack'], pricing: { currency: 'USD', prompt_per_1m: 1, completion_per_1m: 2 } } } },
        [{ name: 'production-stack', address: '127.0.0.1', port }],
      ),
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await new Promise((r) => upstream?.close(r));
});

const tokens = () => gw.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' }) ?? 0;

describe('a streamed /v1/completions answer whose client did not ask for usage', () => {
  it('is asked for usage, counted, and the client gets no usage chunk', async () => {
    const before = tokens();
    const stream = await client.completions.create({ model: 'qwen3', prompt: 'hi', stream: true, max_tokens: 2 }, { headers: { 'x-request-id': 'pt-usage-1' } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe('Hello');
    expect(seen.at(-1)!.stream_options).toEqual({ include_usage: true });
    expect(chunks.every((c) => c.choices.length > 0 && !('usage' in c))).toBe(true);
    expect(tokens() - before).toBe(2);
    const line = gw.logs.lines.find((l) => l.obj.request_id === 'pt-usage-1' && l.obj.event === 'request')!.obj;
    expect(line.tokens).toEqual({ prompt: 4, completion: 2, total: 6 });
  });

  it('a client that asked gets its usage chunk, sent as it was', async () => {
    const before = tokens();
    const stream = await client.completions.create({ model: 'qwen3', prompt: 'hi', stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
    expect(tokens() - before).toBe(2);
  });

  it('an explicit opt-out (include_usage: false) is asked and counted as chat is; the client gets the stream it asked for, byte for byte', async () => {
    // A 64-bit seed too: the rewritten body keeps the client's literal.
    const body = '{"model":"qwen3","prompt":"hi","stream":true,"seed":9223372036854775807,"stream_options":{"include_usage":false}}';
    const post = (base: string) => fetch(`${base}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'pt-usage-off' }, body }).then((r) => r.text());
    const direct = await post(upstreamUrl);
    const before = tokens();
    const got = await post(gw.url);
    expect(raws.at(-1)).toContain('"seed":9223372036854775807');
    expect(seen.at(-1)!.stream_options).toEqual({ include_usage: true });
    expect(got).toBe(direct);
    expect(tokens() - before).toBe(2);
    const line = gw.logs.lines.find((l) => l.obj.request_id === 'pt-usage-off' && l.obj.event === 'request')!.obj;
    expect(line.tokens).toEqual({ prompt: 4, completion: 2, total: 6 });
  });

  it('a JSON request goes as sent (no stream_options added)', async () => {
    seen.length = 0;
    await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"qwen3","prompt":"hi","stream":false}' }).then((r) => r.text());
    expect(seen.at(-1)).toEqual({ model: 'qwen3', prompt: 'hi', stream: false });
  });
});
