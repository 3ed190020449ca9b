// A chat event stream that ends in HTTP trailers (an HTTP/2 or gRPC upstream) is stored in the semantic
// cache as one that ends with end_of_stream is. Its last body chunk reaches ext_proc without
// end_of_stream: only the trailers tell the end, and Envoy sends them only when the processing mode's
// response_trailer_mode is SEND. A mode_override replaces the whole mode, so the STREAMED one ext_proc
// asked for (trailer mode unset: DEFAULT, skipped) kept the end from it: the answer was never judged
// (not stored; at the stream's close counted cancelled). Now the STREAMED override asks for the trailers too.
// Real gRPC, the real pipeline with the embedding pack and the memory cache, Envoy played message by message.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json' };
const USAGE = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3' };
const ev = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const whole = (text: string) => [ev({ role: 'assistant', content: text.slice(0, 5) }), ev({ content: text.slice(5) }), ev({}, 'stop'), `data: ${JSON.stringify({ ...base, choices: [], usage: USAGE })}\n\n`, 'data: [DONE]\n\n'].join('');

describe.skipIf(!packsAvailable())('ext_proc: a streamed answer that ends in trailers is stored', () => {
  const h = useRealExtProc({ routing: { enabled: false }, semantic_cache: { enabled: true, backend_type: 'memory' } }, true);
  const line = (id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id).map((l) => l.obj);

  /** Request headers and body; resolves with the body's answer and the open stream. */
  async function ask(id: string, q: string, extra: Record<string, unknown> = {}) {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    const b: Msg = await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: q }], ...extra })));
    return { s, b };
  }

  /** The answer in `parts` body chunks, none with end_of_stream, then the trailers. Returns the head's answer. */
  async function answer(s: Awaited<ReturnType<typeof ask>>['s'], body: Buffer, head: Record<string, string> = {}, parts = 3): Promise<Msg> {
    const rh: Msg = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream', ...head }));
    for (let i = 0; i < parts; i++) {
      const r: Msg = await s.send({ response_body: { body: body.subarray(Math.floor((body.length * i) / parts), Math.floor((body.length * (i + 1)) / parts)), end_of_stream: false } });
      expect(r.response).toBe('response_body');
    }
    const t: Msg = await s.send({ response_trailers: { trailers: { headers: [] } } });
    expect(t.response).toBe('response_trailers');
    s.end();
    return rh;
  }

  it('the STREAMED override asks Envoy for the trailers; a whole answer ended by them is stored and counted', async () => {
    const q = 'What is the tallest mountain in the solar system?';
    const first = await ask('tr-store', q);
    expect(first.b.response, 'a miss goes upstream').toBe('request_body');
    const rh = await answer(first.s, Buffer.from(whole('Olympus Mons on Mars.')));
    expect(rh.mode_override).toEqual(expect.objectContaining({ response_body_mode: 'STREAMED', response_trailer_mode: 'SEND' }));
    expect(line('tr-store')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 3, total: 8 } })]);

    const again = await ask('tr-store-again', q);
    again.s.end();
    expect(again.b.response, 'the repeat is answered from the cache').toBe('immediate_response');
    expect(setHeaders(again.b.immediate_response.headers)['x-vsr-cache-hit']).toBe('true');
    const replay = Buffer.from(again.b.immediate_response.body).toString();
    expect(replay).toContain('Olympus Mons on Mars.'.slice(5));
    expect(replay.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('one the trailers end before it is whole (no finish_reason, no [DONE]) is not stored', async () => {
    const q = 'Which ocean is the deepest on our planet?';
    const first = await ask('tr-cut', q);
    await answer(first.s, Buffer.from(ev({ role: 'assistant', content: 'The Pacific' }) + ev({ content: ' Ocean' })));
    expect(line('tr-cut')).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
    const again = await ask('tr-cut-again', q);
    again.s.end();
    expect(again.b.response, 'a miss again').toBe('request_body');
  });

  it('a gzip stream ended by trailers, read from a decoded copy, is stored too', async () => {
    const q = 'How many moons does Jupiter have these days?';
    const first = await ask('tr-gzip', q, { stream_options: { include_usage: true } });
    const rh = await answer(first.s, zlib.gzipSync(Buffer.from(whole('Ninety-five known moons.'))), { 'content-encoding': 'gzip' });
    expect(rh.mode_override).toEqual(expect.objectContaining({ response_body_mode: 'STREAMED', response_trailer_mode: 'SEND' }));
    expect(line('tr-gzip')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 3, total: 8 } })]);
    const again = await ask('tr-gzip-again', q, { stream_options: { include_usage: true } });
    again.s.end();
    expect(again.b.response).toBe('immediate_response');
  });
});

// The same end for streams ext_proc reads for their accounting only: asked for with the trailers, their
// end is seen at them, not taken for the client leaving when Envoy closes the stream.
describe('ext_proc: a stream read for its accounting that ends in trailers', () => {
  /** Chunks none with end_of_stream, then the trailers; resolves with the head's answer. */
  async function through(h: ReturnType<typeof useRealExtProc>, path: string, id: string, body: object, sse: string, mode?: string): Promise<Msg> {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, ':path': path, 'x-request-id': id }), ...(mode ? { protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } } : {}) });
    expect((await s.send(requestBody(JSON.stringify(body)))).response).toBe('request_body');
    const rh: Msg = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    for (const p of [sse.slice(0, 40), sse.slice(40)]) await s.send({ response_body: { body: Buffer.from(p), end_of_stream: false } });
    expect((await s.send({ response_trailers: { trailers: { headers: [] } } })).response).toBe('response_trailers');
    s.end();
    await s.closed;
    return rh;
  }
  const lines = (h: ReturnType<typeof useRealExtProc>, id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id).map((l) => l.obj);
  const cancelled = (h: ReturnType<typeof useRealExtProc>) => h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' }) ?? 0;

  describe('chat in Envoy\'s STREAMED mode, nothing to rewrite (its own include_usage, no cache)', () => {
    const h = useRealExtProc({ routing: { enabled: false } });
    it('asks for the trailers too; counted whole at them, not cancelled', async () => {
      const before = cancelled(h);
      const rh = await through(h, '/v1/chat/completions', 'tr-read', { model: 'qwen3', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }, whole('Hello there.'), 'STREAMED');
      expect(rh.mode_override).toEqual(expect.objectContaining({ response_body_mode: 'STREAMED', response_trailer_mode: 'SEND' }));
      expect(lines(h, 'tr-read')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 3, total: 8 } })]);
      expect(cancelled(h)).toBe(before);
    });
  });

  describe('a /v1/completions stream, STREAMED asked for (extproc.allow_mode_override)', () => {
    const h = useRealExtProc({ routing: { enabled: false }, extproc: { allow_mode_override: true } });
    const cmpl = (text: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'qwen3', choices: [{ index: 0, text, finish_reason: finish }] })}\n\n`;
    it('asks for the trailers too; its tokens counted at them, not cancelled', async () => {
      const before = cancelled(h);
      const sse = cmpl('Hello') + cmpl(' there', 'stop') + `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', model: 'qwen3', choices: [], usage: USAGE })}\n\n` + 'data: [DONE]\n\n';
      const rh = await through(h, '/v1/completions', 'tr-cmpl', { model: 'qwen3', stream: true, stream_options: { include_usage: true }, prompt: 'hi' }, sse);
      expect(rh.mode_override).toEqual(expect.objectContaining({ response_body_mode: 'STREAMED', response_trailer_mode: 'SEND' }));
      expect(lines(h, 'tr-cmpl')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 3, total: 8 } })]);
      expect(cancelled(h)).toBe(before);
    });
  });
});
