// A chat event stream that ends in response trailers (response_trailer_mode SEND): Envoy's last body
// message then has no end_of_stream, and the trailers are the answer's end. In BUFFERED mode that one
// message is the whole answer, checked and rewritten as a whole one (the cut event can still be added);
// in STREAMED mode nothing can follow the trailers, but the answer is still accounted at them (its
// request line, tokens, a cut counted) rather than never. Real gRPC, real pipeline.
import { describe, expect, it } from 'vitest';
import { clientBytes, requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3' };
const ev = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const USAGE = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
const WHOLE = [ev({ content: 'Hello' }), ev({}, 'stop'), `data: ${JSON.stringify({ ...base, choices: [], usage: USAGE })}\n\n`, 'data: [DONE]\n\n'];

describe('ext_proc: a chat stream that ends in trailers', () => {
  const h = useRealExtProc();
  const line = (id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id).map((l) => l.obj);
  const cuts = () => h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;

  /** `parts`: body messages, none with end_of_stream; then the trailers. */
  async function run(id: string, mode: string, parts: string[], extra: Record<string, unknown> = { stream_options: { include_usage: true } }): Promise<string> {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: `hi ${id}` }], ...extra })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    let client = '';
    for (const p of parts) client += clientBytes(p, await s.send(responseBody(p, false)));
    const t = await s.send({ response_trailers: { trailers: { headers: [] } } });
    expect(t.response).toBe('response_trailers');
    s.end();
    return client;
  }

  it('STREAMED, whole: untouched, accounted at the trailers (one line, its tokens)', async () => {
    expect(await run('tr-whole', 'STREAMED', WHOLE)).toBe(WHOLE.join(''));
    expect(line('tr-whole')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 2, total: 7 } })]);
  });

  it('STREAMED, cut: counted upstream_5xx with a stream_error line at the trailers', async () => {
    const before = cuts();
    await run('tr-cut', 'STREAMED', [ev({ content: 'He' }), ev({ content: 'llo' })]);
    expect(cuts()).toBe(before + 1);
    expect(line('tr-cut')).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
    // Nothing was held (whole events): no warning of bytes lost, as no error event can follow the trailers.
    expect(h.logs.lines.some((l) => /part of it was held/.test(l.msg ?? ''))).toBe(false);
  });

  it('STREAMED, usage taken out: the usage chunk still out, the tokens counted', async () => {
    const client = await run('tr-strip', 'STREAMED', WHOLE, {});
    expect(client).not.toContain('"usage"');
    expect(client).toContain('data: [DONE]');
    expect(line('tr-strip')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 2, total: 7 } })]);
  });

  it('BUFFERED, cut: the one message is the whole answer: it gets the error event, counted once', async () => {
    const before = cuts();
    const client = await run('tr-buf-cut', 'BUFFERED', [ev({ content: 'He' }) + ev({ content: 'llo' })]);
    expect(client).toContain('"code":"upstream_stream_cut"');
    expect(cuts()).toBe(before + 1);
    expect(line('tr-buf-cut')).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
  });

  it('BUFFERED, usage taken out: the whole answer stripped, counted once', async () => {
    const client = await run('tr-buf-strip', 'BUFFERED', [WHOLE.join('')], {});
    expect(client).toBe(WHOLE.filter((e) => !e.includes('usage')).join(''));
    expect(line('tr-buf-strip')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 2, total: 7 } })]);
  });
});

describe('ext_proc: a JSON answer in STREAMED chunks that ends in trailers', () => {
  const h = useRealExtProc();
  const answer = JSON.stringify({ id: 'c', object: 'chat.completion', model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }], usage: USAGE });

  async function run(id: string, head: Record<string, string>, body = answer): Promise<string> {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: `hi ${id}` }] })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json', ...head }));
    let client = '';
    for (const p of [body.slice(0, 30), body.slice(30)]) client += clientBytes(p, await s.send(responseBody(p, false)));
    await s.send({ response_trailers: { trailers: { headers: [] } } });
    s.end();
    return client;
  }
  const line = (id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id).map((l) => l.obj);

  it('declared by a Trailer header: not held (nothing could carry the held chunks after the trailers), passed as it came, accounted', async () => {
    expect(await run('json-trailer-declared', { trailer: 'x-engine-stats' })).toBe(answer);
    expect(line('json-trailer-declared')).toEqual([expect.objectContaining({ status: 200 })]);
  });

  it('undeclared: judged on the chunk that ends its JSON document (held-body.ts), so it goes on whole, its tokens counted', async () => {
    expect(await run('json-trailer-undeclared', {})).toBe(answer);
    expect(h.logs.lines.some((l) => /ended in trailers/.test(l.msg ?? '') && l.obj.request_id === 'json-trailer-undeclared')).toBe(false);
    expect(line('json-trailer-undeclared')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 2, total: 7 } })]);
  });

  it('undeclared, its document unfinished at the trailers: the loss is logged as an error naming the mode to use, and the answer accounted', async () => {
    await run('json-trailer-unfinished', {}, answer.slice(0, -1));
    expect(h.logs.lines.some((l) => /ended in trailers/.test(l.msg ?? '') && l.obj.request_id === 'json-trailer-unfinished')).toBe(true);
    expect(line('json-trailer-unfinished')).toHaveLength(1);
  });
});
