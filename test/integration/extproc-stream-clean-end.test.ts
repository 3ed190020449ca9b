// Behind Envoy (STREAMED response mode), a chat stream that ends cleanly (end_of_stream) before it is
// whole: no [DONE], the last event finishes no choice and carries no usage, or with n > 1 a choice never
// finished. The gateway ends such an answer with the upstream_stream_cut error event and counts it as
// upstream_5xx / stream_error (stream-clean-end*.test.ts); ext_proc, which reads the stream when it
// restores, records or takes usage out of it, does the same on the last body chunk. The client's bytes
// are read by the openai SDK's own SSE reader. Real gRPC (Envoy played by a grpc-js client), real pipeline.
import OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { clientBytes, requestBody, requestHeaders, responseBody, responseHeaders, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3' };
const ev = (choices: unknown[], extra: Record<string, unknown> = {}) => `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`;
const delta = (content: string, index = 0) => ({ index, delta: { content }, finish_reason: null });
const stop = (index = 0) => ({ index, delta: {}, finish_reason: 'stop' });

/** What the openai SDK makes of `text` as a stream: the content per choice, and what it raised. */
async function sdkRead(text: string): Promise<{ content: string[]; err?: unknown }> {
  const stream = Stream.fromSSEResponse<OpenAI.ChatCompletionChunk>(new Response(text, { headers: { 'content-type': 'text/event-stream' } }), new AbortController());
  const content: string[] = [];
  try {
    for await (const c of stream) for (const ch of c.choices) content[ch.index] = (content[ch.index] ?? '') + (ch.delta?.content ?? '');
  } catch (err) {
    return { content, err };
  }
  return { content };
}

describe.skipIf(!packsAvailable())('ext_proc: a stream that ends cleanly before it is whole', () => {
  // The cache records streamed answers (STREAMED mode, chunks only read); usage taken out when asked on the client's behalf.
  const h = useRealExtProc({ semantic_cache: { enabled: true, backend_type: 'memory' } }, true);

  const cuts = () => h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;

  /** One request through ext_proc with Envoy in STREAMED response mode; `parts` are the upstream's body chunks. */
  async function run(id: string, body: Record<string, unknown>, parts: string[], length = false): Promise<string> {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: `Name three rivers in Europe ${id}` }], ...body })));
    // vLLM's streams are chunked; `length`: a proxy's that declares it.
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream', ...(length ? { 'content-length': String(parts.join('').length) } : {}) }));
    expect(rh.mode_override?.response_body_mode).toBe('STREAMED');
    let client = '';
    for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
    s.end();
    return client;
  }
  const line = (id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id).map((l) => l.obj);
  const warned = (id: string) => h.logs.lines.some((l) => l.msg === 'upstream answer failed mid-stream' && l.obj.request_id === id);

  const CASES: Array<[string, Record<string, unknown>, string[]]> = [
    ['no [DONE], no finish_reason, usage taken out', {}, [ev([delta('He')]), ev([delta('llo')])]],
    ['no [DONE], no finish_reason, usage asked by the client', { stream_options: { include_usage: true } }, [ev([delta('He')]), ev([delta('llo')])]],
    ['the last event cut in two', {}, [ev([delta('He')]), ev([delta('llo')]).slice(0, 20)]],
    ['n=2, choice 1 never finished, choice 0 finishing last', { n: 2 }, [ev([delta('He', 0), delta('Hi', 1)]), ev([stop(0)])]],
  ];
  for (const [name, body, parts] of CASES) {
    it(`${name}: the SDK raises the gateway's APIError, counted upstream_5xx, logged stream_error`, async () => {
      const id = `cut-${name.replace(/\W+/g, '-')}`;
      const before = cuts();
      const client = await run(id, body, parts);
      expect(client).toContain('"code":"upstream_stream_cut"');
      const r = await sdkRead(client);
      expect(r.err).toBeInstanceOf(OpenAI.APIError);
      expect((r.err as Error).message).toContain('The upstream answer ended before it was complete.');
      expect(r.content[0]).toBe('He' + (name.includes('cut in two') ? '' : name.startsWith('n=2') ? '' : 'llo'));
      expect(cuts()).toBe(before + 1);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, error_reason: 'stream_error' })]);
      expect(warned(id)).toBe(true);
    });
  }

  const WHOLE: Array<[string, Record<string, unknown>, string[]]> = [
    ['ended by [DONE]', {}, [ev([delta('He')]), ev([delta('llo')]), 'data: [DONE]\n\n']],
    ['no [DONE], the last event finishes the choice', {}, [ev([delta('Hello')]), ev([stop()])]],
    ['n=2, each choice finished, no [DONE]', { n: 2 }, [ev([delta('He', 0), delta('Hi', 1)]), ev([stop(1)]), ev([stop(0)])]],
  ];
  for (const [name, body, parts] of WHOLE) {
    it(`${name}: whole, no error event, not counted`, async () => {
      const id = `whole-${name.replace(/\W+/g, '-')}`;
      const before = cuts();
      const client = await run(id, body, parts);
      expect(client).not.toContain('upstream_stream_cut');
      expect((await sdkRead(client)).err).toBeUndefined();
      expect(cuts()).toBe(before);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200 })]);
      expect(line(id)[0]).not.toHaveProperty('error_reason');
    });
  }

  it('a declared length that nothing rewrites is kept: the cut is counted and logged, no event added', async () => {
    const before = cuts();
    const client = await run('cut-length', { stream_options: { include_usage: true } }, [ev([delta('He')]), ev([delta('llo')])], true);
    expect(client).toBe(ev([delta('He')]) + ev([delta('llo')]));
    expect(cuts()).toBe(before + 1);
    expect(line('cut-length')).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
  });

  it("the upstream's own error event ends it: counted upstream_5xx, no second error event", async () => {
    const before = cuts();
    const err = `data: ${JSON.stringify({ error: { message: 'engine died', type: 'internal_error', code: 500 } })}\n\n`;
    const client = await run('errored', {}, [ev([delta('He')]), err]);
    expect(client).not.toContain('upstream_stream_cut');
    expect(cuts()).toBe(before + 1);
    expect(line('errored')).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
  });
});

describe('ext_proc: Envoy in STREAMED mode sends the stream though nothing reads it (no mode_override honoured)', () => {
  const h = useRealExtProc();

  async function run(id: string, parts: string[]): Promise<{ client: string; head: Msg }> {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    // The client asks for usage itself: nothing to take out, no tap: only the check reads the stream.
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: `hi ${id}` }] })));
    const head = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    let client = '';
    for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
    s.end();
    return { client, head };
  }
  const cuts = () => h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;

  it('a cut: the error event on the last chunk, counted upstream_5xx, logged stream_error', async () => {
    const before = cuts();
    const { client, head } = await run('sent-cut', [ev([delta('He')]), ev([delta('llo')])]);
    expect(head.mode_override?.response_body_mode).not.toBe('NONE');
    expect((await sdkRead(client)).err).toBeInstanceOf(OpenAI.APIError);
    expect(cuts()).toBe(before + 1);
    expect(h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'sent-cut').map((l) => l.obj)).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
  });

  it('a whole answer goes on untouched, its usage chunk counted', async () => {
    const before = cuts();
    const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
    const parts = [ev([delta('Hello')]), ev([stop()]), ev([], { usage }), 'data: [DONE]\n\n'];
    const { client } = await run('sent-whole', parts);
    expect(client).toBe(parts.join(''));
    expect(cuts()).toBe(before);
    const line = h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'sent-whole').map((l) => l.obj);
    expect(line).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 2, total: 7 } })]);
  });
});
