// The OpenAI surface end to end: the official `openai` SDK -> semroute (real socket) -> mock
// Production Stack router (real socket). Explicit models here; routing lives in gateway-routing.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import OpenAI from 'openai';
import { rawRequest, type Gateway } from './gateway-harness.ts';
import { startOpenAiGateway } from './helpers/openai-gateway.ts';

let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  ({ gw, client } = await startOpenAiGateway());
});
afterAll(() => gw?.close());

describe('POST /v1/chat/completions (explicit model)', () => {
  it('forwards a non-streaming request and returns the upstream answer', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-oss-20b', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data.model).toBe('gpt-oss-20b');
    expect(data.choices[0].message.content).toBe('This is a mock answer from gpt-oss-20b.');
    expect(data.usage?.prompt_tokens).toBe(2);
    expect(response.headers.get('x-vsr-selected-model')).toBe('gpt-oss-20b');
    // No reasoning_effort sent: gpt-oss reasons at medium (openai-reasoning-default.test.ts).
    expect(response.headers.get('x-vsr-selected-reasoning')).toBe('on');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const seen = gw.mock.mock.requests.at(-1)!;
    expect(seen.model).toBe('gpt-oss-20b');
    // An explicit model passes through unchanged: no system prompt, no reasoning fields added.
    expect(seen.body.messages).toEqual([{ role: 'user', content: 'Hello there' }]);
    expect(seen.body).not.toHaveProperty('reasoning_effort');
  });

  it("x-vsr-selected-reasoning tells what an explicit model's request asks for (forwarded unchanged)", async () => {
    // Before: always 'off' for an explicit model, even when the client switched reasoning on.
    const ask = async (body: Record<string, unknown>) =>
      (await client.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], ...body } as never).withResponse()).response.headers.get('x-vsr-selected-reasoning');
    expect(await ask({ model: 'gpt-oss-20b', reasoning_effort: 'high' })).toBe('on');
    expect(gw.mock.mock.requests.at(-1)!.body.reasoning_effort).toBe('high');
    expect(await ask({ model: 'gpt-oss-20b', reasoning_effort: 'low' })).toBe('off');
    expect(await ask({ model: 'qwen3', chat_template_kwargs: { enable_thinking: true } })).toBe('on');
    expect(await ask({ model: 'qwen3', chat_template_kwargs: { enable_thinking: false } })).toBe('off');
    expect(await ask({ model: 'deepseek-v3', chat_template_kwargs: { thinking: true } })).toBe('on');
  });

  it('forwards the session header and the client request id, and echoes the id', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-user-id': 'alice', 'x-request-id': 'req-123' } })
      .withResponse();
    expect(response.headers.get('x-request-id')).toBe('req-123');
    const seen = gw.mock.mock.requests.at(-1)!;
    expect(seen.headers['x-user-id']).toBe('alice');
    expect(seen.headers['x-request-id']).toBe('req-123');
    expect(seen.headers['authorization']).toBe('Bearer test-key');
  });

  it('generates a request id when absent, forwards it and echoes the same one', async () => {
    const { response } = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const id = response.headers.get('x-request-id');
    expect(id).toBeTruthy();
    expect(gw.mock.mock.requests.at(-1)!.headers['x-request-id']).toBe(id);
  });

  it('drops hop-by-hop headers, including those named by Connection', async () => {
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json', connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'x-end-to-end': 'kept', 'keep-alive': 'timeout=5', te: 'trailers' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const seen = gw.mock.mock.requests.at(-1)!.headers;
    expect(seen['x-hop']).toBeUndefined();
    expect(seen['te']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen['x-end-to-end']).toBe('kept');
  });

  it('streams chunk by chunk: the first chunk arrives before a slow upstream has finished', async () => {
    const t0 = performance.now();
    const stream = await client.chat.completions.create(
      { model: 'deepseek-v3', messages: [{ role: 'user', content: 'stream please' }], stream: true },
      { headers: { 'x-mock-chunk-delay-ms': '150' } },
    );
    let firstAt = 0;
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      if (!firstAt) firstAt = performance.now() - t0;
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
      expect(chunk.model).toBe('deepseek-v3');
    }
    const endAt = performance.now() - t0;
    expect(text).toBe('This is a mock answer from deepseek-v3.');
    expect(chunks).toBeGreaterThanOrEqual(8);
    // 8+ chunks 150 ms apart: the upstream needs >= 1 s; the first chunk must not wait for it.
    expect(endAt).toBeGreaterThan(1000);
    expect(firstAt).toBeLessThan(endAt - 700);
    expect(gw.mock.mock.requests.at(-1)!.completed).toBe(true);
  });

  it('records token usage from a streamed answer that includes it', async () => {
    const stream = await client.chat.completions.create({
      model: 'qwen3',
      messages: [{ role: 'user', content: 'count my tokens please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: unknown;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: 4 });
    await new Promise((r) => setTimeout(r, 20));
    expect(gw.metrics.render()).toMatch(/llm_model_prompt_tokens_total\{model="qwen3"\} \d+/);
  });
});

describe('GET /v1/models', () => {
  it('lists the auto names first, then the configured models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids.slice(0, 3)).toEqual(['MoM', 'auto', 'vllm-sr/auto']);
    expect(ids).toEqual(expect.arrayContaining(['qwen3', 'deepseek-v3', 'gpt-oss-20b']));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('upstream errors come back OpenAI-shaped with the upstream status', () => {
  it('404 for a model the upstream does not serve', async () => {
    const err = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.status).toBe(404);
    expect(err.error).toMatchObject({ message: expect.stringContaining('no-such-model'), type: 'not_found_error' });
  });

  it('500 from the upstream', async () => {
    const err = await client.chat.completions
      .create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-mock-status': '503' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(503);
    expect(err.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  });

  it('a stream the upstream drops mid-way errors on the client, and the gateway keeps serving', async () => {
    // The failure goes to the gateway's logger, not to stderr: @hono/node-server console.error()s a
    // body stream's error (undici's SocketError "other side closed" here). The mock, served the same
    // way, prints its own deliberate drop; only the gateway's side is checked.
    const printed: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void printed.push(a[0]));
    const warnsBefore = gw.logs.lines.filter((l) => l.msg === 'upstream answer failed mid-stream').length;
    try {
      const stream = await client.chat.completions.create(
        { model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true },
        { headers: { 'x-mock-drop': 'mid' } },
      );
      const read = async () => {
        for await (const _ of stream) void _;
      };
      await expect(read()).rejects.toThrow();
      const ok = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'still there?' }] });
      expect(ok.model).toBe('qwen3');
    } finally {
      spy.mockRestore();
    }
    expect(printed.filter((e) => (e as { code?: string })?.code === 'UND_ERR_SOCKET')).toEqual([]);
    const warns = gw.logs.lines.filter((l) => l.msg === 'upstream answer failed mid-stream');
    expect(warns).toHaveLength(warnsBefore + 1);
    expect(warns.at(-1)!.obj).toMatchObject({ err: 'other side closed', code: 'UND_ERR_SOCKET', request_id: expect.any(String) });
    expect(gw.logs.lines.filter((l) => l.msg === 'request').at(-2)!.obj).toMatchObject({ status: 200, error_reason: 'stream_error' });
  });
});

describe('an upstream stream cut after some chunks', () => {
  it('reaches the client as its chunks, then an OpenAI-shaped error event the SDK raises (not a bare cut or a clean end)', async () => {
    // Before: Node cut the client's connection, and the Worker closed it cleanly as if the answer were
    // complete (the SDK returned the partial text with finish_reason null and raised nothing).
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json', 'x-mock-drop': 'mid' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.status).toBe(200);
    const events = res.body.split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(events[0]!.slice(6)).object).toBe('chat.completion.chunk');
    expect(JSON.parse(events.at(-1)!.slice(6)).error).toMatchObject({ type: 'upstream_error', code: 'upstream_stream_cut' });
    const stream = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true }, { headers: { 'x-mock-drop': 'mid' } });
    const read = async () => {
      for await (const _ of stream) void _;
    };
    await expect(read()).rejects.toThrow(/ended before it was complete/);
  });
});

describe('client disconnect', () => {
  it('cancels the upstream request when the client goes away mid-stream', async () => {
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'qwen3', messages: [{ role: 'user', content: 'long answer' }], stream: true },
      { headers: { 'x-mock-chunk-delay-ms': '200' }, signal: ac.signal },
    );
    const record = gw.mock.mock.requests.at(-1)!;
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    await it.next().catch(() => undefined);
    const deadline = Date.now() + 3000;
    while (!record.cancelled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(record.cancelled).toBe(true);
    expect(record.completed).not.toBe(true);
  });

  it('cancels the upstream request when the client goes away before the upstream answered', async () => {
    const ac = new AbortController();
    const before = gw.mock.mock.requests.length;
    const pending = client.chat.completions
      .create({ model: 'qwen3', messages: [{ role: 'user', content: 'slow answer' }] }, { headers: { 'x-mock-delay-ms': '5000' }, signal: ac.signal })
      .catch((e: unknown) => e);
    let deadline = Date.now() + 3000;
    while (gw.mock.mock.requests.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const record = gw.mock.mock.requests.at(-1)!;
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    deadline = Date.now() + 3000;
    while (!record.cancelled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(record.cancelled).toBe(true);
    expect(record.completed).not.toBe(true);
  });
});
