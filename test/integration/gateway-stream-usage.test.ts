// Token metrics of a streamed answer whose client did not ask for usage (stream_options.include_usage):
// vLLM sends a stream's usage only when asked, so such an answer counted no tokens and no cost. The
// gateway asks for it and takes it out of the client's stream. Real sockets throughout: the `openai`
// SDK -> semroute -> the mock Production Stack router (or a node:http upstream writing exact bytes).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { startOpenAiGateway } from './helpers/openai-gateway.ts';

let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  ({ gw, client } = await startOpenAiGateway());
});
afterAll(() => gw?.close());

/** A counter from the gateway's own /metrics exposition (0 when the series is not there yet). */
async function counter(url: string, name: string, model: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name}\\{model="${model}"\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : 0;
}

const Q = 'Name three rivers in Europe please';
const ANSWER_WORDS = 'This is a mock answer from qwen3.'.split(' ').length;
const PROMPT_WORDS = Q.split(' ').length;

describe('a streamed request without stream_options.include_usage', () => {
  it('counts the tokens the mock reports, and the client sees the stream it saw before (no usage chunk)', async () => {
    const before = {
      completion: await counter(gw.url, 'llm_model_completion_tokens_total', 'qwen3'),
      prompt: await counter(gw.url, 'llm_model_prompt_tokens_total', 'qwen3'),
    };
    const stream = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }], stream: true });
    const chunks: Array<Record<string, unknown>> = [];
    let text = '';
    for await (const c of stream) {
      chunks.push(c as unknown as Record<string, unknown>);
      text += c.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('This is a mock answer from qwen3.');
    // Every chunk has a choice and none carries a usage key, as before the gateway asked for usage.
    for (const c of chunks) {
      expect((c.choices as unknown[]).length).toBe(1);
      expect(c).not.toHaveProperty('usage');
    }
    expect(chunks.at(-1)!.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    // The upstream was asked for the usage chunk.
    expect(gw.mock.mock.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(await counter(gw.url, 'llm_model_completion_tokens_total', 'qwen3')).toBe(before.completion + ANSWER_WORDS);
    expect(await counter(gw.url, 'llm_model_prompt_tokens_total', 'qwen3')).toBe(before.prompt + PROMPT_WORDS);
  });

  it('the raw SSE body ends with the finish chunk and [DONE], as the upstream sends it without usage', async () => {
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: Q }], stream: true }),
    });
    expect(res.status).toBe(200);
    const events = res.body.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(res.body).not.toContain('usage');
    expect(JSON.parse(events.at(-2)!.slice(6)).choices[0].finish_reason).toBe('stop');
  });

  it('include_usage: false is treated as not asked (asked upstream, kept from the client), other stream_options kept', async () => {
    const before = await counter(gw.url, 'llm_model_completion_tokens_total', 'qwen3');
    const stream = await client.chat.completions.create({
      model: 'qwen3',
      messages: [{ role: 'user', content: Q }],
      stream: true,
      stream_options: { include_usage: false, continuous_usage_stats: false } as never,
    });
    const chunks: unknown[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.some((c) => 'usage' in (c as object))).toBe(false);
    expect(gw.mock.mock.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true, continuous_usage_stats: false });
    expect(await counter(gw.url, 'llm_model_completion_tokens_total', 'qwen3')).toBe(before + ANSWER_WORDS);
  });

  it('a client that asked still gets the usage chunk, counted once', async () => {
    const before = await counter(gw.url, 'llm_model_completion_tokens_total', 'qwen3');
    const stream = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(ANSWER_WORDS);
    expect(await counter(gw.url, 'llm_model_completion_tokens_total', 'qwen3')).toBe(before + ANSWER_WORDS);
  });

  it('a non-streamed request is forwarded without stream_options', async () => {
    await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }] });
    expect(gw.mock.mock.requests.at(-1)!.body).not.toHaveProperty('stream_options');
  });
});

describe('an upstream that writes `usage: null` on each chunk and cuts events anywhere (OpenAI-style)', () => {
  let up: http.Server;
  let gw2: Gateway;
  const bodies: Array<Record<string, any>> = [];
  const usage = { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 };

  beforeAll(async () => {
    up = http.createServer((req, res) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (data += c));
      req.on('end', async () => {
        const body = JSON.parse(data);
        bodies.push(body);
        const asked = body.stream_options?.include_usage === true;
        const c = (choices: unknown[], extra: Record<string, unknown> = {}) =>
          `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices, ...(asked ? { usage: null } : {}), ...extra })}\n\n`;
        const all =
          c([{ index: 0, delta: { role: 'assistant', content: 'Hé' }, finish_reason: null }]) +
          c([{ index: 0, delta: { content: ' there' }, finish_reason: null }]) +
          c([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
          (asked ? c([], { usage }) : '') +
          'data: [DONE]\n\n';
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // Cut every 13 bytes (inside events, inside the two-byte é, inside "usage"), each write flushed apart.
        const bytes = Buffer.from(all);
        for (let i = 0; i < bytes.length; i += 13) {
          res.write(bytes.subarray(i, i + 13));
          await new Promise((r) => setTimeout(r, 1));
        }
        res.end();
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', () => r()));
    const port = (up.address() as { port: number }).port;
    gw2 = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
  });
  afterAll(async () => {
    await gw2?.close();
    await new Promise((r) => up?.close(r));
  });

  it('the client gets no usage key and no usage chunk; the tokens are counted', async () => {
    const c2 = new OpenAI({ baseURL: `${gw2.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const before = await counter(gw2.url, 'llm_model_completion_tokens_total', 'qwen3');
    const stream = await c2.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = [];
    let text = '';
    for await (const c of stream) {
      chunks.push(c);
      text += c.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('Hé there');
    expect(chunks).toHaveLength(3);
    for (const c of chunks) expect(c).not.toHaveProperty('usage');
    expect(bodies.at(-1)!.stream_options).toEqual({ include_usage: true });
    expect(await counter(gw2.url, 'llm_model_completion_tokens_total', 'qwen3')).toBe(before + usage.completion_tokens);
  });

  it('a client that asked gets the upstream stream as it came (usage: null on chunks, the usage chunk)', async () => {
    const c2 = new OpenAI({ baseURL: `${gw2.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const stream = await c2.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks).toHaveLength(4);
    expect(chunks[0]).toHaveProperty('usage', null);
    expect(chunks.at(-1)!.usage).toEqual(usage);
  });
});
