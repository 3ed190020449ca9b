// Envoy's FULL_DUPLEX_STREAMED body mode (as the Gateway API Inference Extension runs ext_proc): Envoy
// sends every body chunk without waiting for an answer, holds the request headers until theirs comes, and
// takes body answers only as streamed_response. ext_proc holds a chat body's chunks unanswered, then
// sends the headers' answer (the decision's header mutation merged in) and one streamed_response with
// the whole rewritten body; other routes' chunks go on as they came; the answer's chunks are read and
// rewritten (usage taken out) as in STREAMED. Before, each chunk got a CommonResponse (clear_body, body),
// which that mode does not take. GRPC body mode (a gRPC request's messages) on a chat route is refused
// with a logged reason, the stream failing so that Envoy's failure_mode_allow decides. Real gRPC, with a
// client that writes as full-duplex Envoy does.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { completionChunks } from '../../src/mock/answers.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { duplexStream } from './helpers/extproc-coded.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const DUPLEX = { request_body_mode: 'FULL_DUPLEX_STREAMED', response_body_mode: 'FULL_DUPLEX_STREAMED' };
const dec = new TextDecoder();

describe('ext_proc: FULL_DUPLEX_STREAMED body mode', () => {
  const h = useRealExtProc({ server: { max_body_bytes: 4000 } });
  const target = () => `127.0.0.1:${h.ext.port}`;

  it('a chat body in chunks: no answer until its end, then the headers (decision merged) and one streamed_response with the whole body', async () => {
    const s = duplexStream(target());
    const body = JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'Name three rivers in Europe, please.' }] });
    s.write({ ...requestHeaders({ ...CHAT, 'x-request-id': 'fd-chat', 'x-selected-model': 'spoof' }), protocol_config: DUPLEX });
    s.write(requestBody(body.slice(0, 30), false));
    s.write(requestBody(body.slice(30, 60), false));
    expect(await s.replies(1, 400)).toEqual([]); // the headers wait for the body
    s.write(requestBody(body.slice(60), true));
    const [headers, bodyReply, ...rest] = await s.replies(2);
    expect(rest).toEqual([]);
    const hr = headers!.request_headers.response;
    expect(hr.header_mutation.remove_headers).toContain('x-selected-model');
    expect(setHeaders(hr.header_mutation)['x-selected-model']).toBe('qwen3');
    expect(headers!.mode_override ?? null).toBeNull();
    const m = bodyReply!.request_body.response.body_mutation;
    expect(m.streamed_response.end_of_stream).toBe(true);
    const sent = JSON.parse(dec.decode(m.streamed_response.body));
    expect(sent.messages).toEqual(JSON.parse(body).messages);
    // Usage asked for on the client's behalf: the answer's body comes back in this mode.
    expect(sent.stream_options).toEqual({ include_usage: true });

    // The answer: chunks read as in STREAMED, each answered with a streamed_response, the usage chunk taken out.
    s.write(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const text = completionChunks('c1', 'qwen3', 1, 5, true).map((p) => `data: ${p}\n\n`).join('');
    const parts = [text.slice(0, 70), text.slice(70, 300), text.slice(300)];
    for (const [i, p] of parts.entries()) s.write(responseBody(p, i === parts.length - 1));
    // A chunk that completed no event is held (no answer yet): at most one answer per chunk, the last one ending the body.
    const answers = await s.replies(4, 1_500);
    s.close();
    expect(answers[0]!.response_headers).toBeDefined();
    expect(answers[0]!.mode_override ?? null).toBeNull();
    const chunks = answers.slice(1).map((a) => a.response_body.response.body_mutation.streamed_response);
    expect(chunks.map((c) => c.end_of_stream)).toEqual([...chunks.slice(1).map(() => false), true]);
    expect(chunks.map((c) => dec.decode(c.body)).join('')).toBe(completionChunks('c1', 'qwen3', 1, 5, false).map((p) => `data: ${p}\n\n`).join(''));
    await expect.poll(() => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'fd-chat').map((l) => l.obj.tokens)).toEqual([expect.objectContaining({ total: expect.any(Number) })]);
  });

  it('a chat body past server.max_body_bytes: the immediate 413 alone', async () => {
    const s = duplexStream(target());
    s.write({ ...requestHeaders(CHAT), protocol_config: DUPLEX });
    s.write(requestBody(`{"model":"qwen3","messages":[{"role":"user","content":"${'x'.repeat(3000)}`, false));
    s.write(requestBody(`${'y'.repeat(2000)}"}]}`, true));
    const replies = await s.replies(1);
    s.close();
    expect(replies).toHaveLength(1);
    expect(replies[0]!.immediate_response.status.code).toBe('PayloadTooLarge');
  });

  it('a JSON answer: its head loses content-length (the body may be rewritten), the body goes whole in one streamed_response', async () => {
    const s = duplexStream(target());
    s.write({ ...requestHeaders({ ...CHAT, 'x-request-id': 'fd-json' }), protocol_config: DUPLEX });
    s.write(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }), true));
    expect(await s.replies(2)).toHaveLength(2);
    const answer = JSON.stringify({ id: 'c', object: 'chat.completion', model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
    s.write(responseHeaders({ ':status': '200', 'content-type': 'application/json', 'content-length': String(answer.length) }));
    s.write(responseBody(answer.slice(0, 50), false));
    s.write(responseBody(answer.slice(50), true));
    const [head, body, ...rest] = await s.replies(2);
    s.close();
    expect(rest).toEqual([]);
    expect(head!.response_headers.response.header_mutation.remove_headers).toContain('content-length');
    const sr = body!.response_body.response.body_mutation.streamed_response;
    expect(sr.end_of_stream).toBe(true);
    expect(JSON.parse(dec.decode(sr.body))).toEqual(JSON.parse(answer));
  });

  it("another route's chunks go on as they came, each in a streamed_response", async () => {
    const s = duplexStream(target());
    s.write({ ...requestHeaders({ ':method': 'POST', ':path': '/tokenize', 'content-type': 'application/json' }), protocol_config: DUPLEX });
    s.write(requestBody('{"input":', false));
    s.write(requestBody('"hi"}', true));
    const [headers, ...bodies] = await s.replies(3);
    s.close();
    expect(headers!.request_headers).toBeDefined();
    expect(bodies.map((b) => dec.decode(b.request_body.response.body_mutation.streamed_response.body))).toEqual(['{"input":', '"hi"}']);
    expect(bodies.map((b) => b.request_body.response.body_mutation.streamed_response.end_of_stream)).toEqual([false, true]);
  });

  it('a chat body that ends in request trailers: at the trailers, the headers, the whole body (the trailers end it), then the trailers answer', async () => {
    const s = duplexStream(target());
    const body = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'Name three rivers in Europe.' }] });
    s.write({ ...requestHeaders({ ...CHAT, 'x-request-id': 'fd-trailers' }), protocol_config: DUPLEX });
    s.write(requestBody(body.slice(0, 20), false));
    s.write(requestBody(body.slice(20), false));
    expect(await s.replies(1, 300)).toEqual([]);
    s.write({ request_trailers: { trailers: { headers: [] } } });
    const replies = await s.replies(3);
    s.close();
    expect(replies.map((r) => r.response)).toEqual(['request_headers', 'request_body', 'request_trailers']);
    expect(setHeaders(replies[0]!.request_headers.response.header_mutation)['x-selected-model']).toBe('qwen3');
    const sr = replies[1]!.request_body.response.body_mutation.streamed_response;
    expect(sr.end_of_stream).toBe(false);
    expect(JSON.parse(dec.decode(sr.body)).messages).toEqual(JSON.parse(body).messages);
  });

  it('an answer that ends in response trailers: what was held goes before the trailers answer', async () => {
    const s = duplexStream(target());
    s.write({ ...requestHeaders({ ...CHAT, 'x-request-id': 'fd-resp-trailers' }), protocol_config: DUPLEX });
    s.write(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }), true));
    expect(await s.replies(2)).toHaveLength(2);
    const answer = JSON.stringify({ id: 'c', object: 'chat.completion', model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
    s.write(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    s.write(responseBody(answer.slice(0, 40), false));
    s.write(responseBody(answer.slice(40), false));
    s.write({ response_trailers: { trailers: { headers: [] } } });
    const replies = await s.replies(3);
    s.close();
    expect(replies.map((r) => r.response)).toEqual(['response_headers', 'response_body', 'response_trailers']);
    const sr = replies[1]!.response_body.response.body_mutation.streamed_response;
    expect(sr.end_of_stream).toBe(false);
    expect(JSON.parse(dec.decode(sr.body))).toEqual(JSON.parse(answer));
    await expect.poll(() => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'fd-resp-trailers').map((l) => l.obj.tokens)).toEqual([{ prompt: 3, completion: 1, total: 4 }]);
  });

  it('a /v1/completions stream that ends in response trailers: the part of an event held goes before the trailers answer', async () => {
    const s = duplexStream(target());
    s.write({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/completions', 'content-type': 'application/json', 'x-request-id': 'fd-gen-trailers' }), protocol_config: DUPLEX });
    s.write(requestBody(JSON.stringify({ model: 'qwen3', prompt: 'hi', stream: true, stream_options: { include_usage: true } }), true));
    expect(await s.replies(2)).toHaveLength(2);
    const ev = (text: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'text_completion', created: 1, model: 'qwen3', choices: [{ index: 0, text, finish_reason: finish }] })}\n\n`;
    const text = ev('Hello') + ev('', 'stop') + 'data: [DONE]\n';
    const parts = [text.slice(0, 150), text.slice(150)];
    s.write(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    for (const p of parts) s.write(responseBody(p, false));
    s.write({ response_trailers: { trailers: { headers: [] } } });
    const replies = await s.replies(5, 2_000);
    s.close();
    expect(replies.at(-1)!.response).toBe('response_trailers');
    const client = replies.filter((r) => r.response === 'response_body').map((r) => dec.decode(r.response_body.response.body_mutation.streamed_response.body)).join('');
    // Every byte, the last event closed by its blank line (as the holder ends a stream).
    expect(client).toBe(`${text}\n`);
  });

  it('GRPC request_body_mode on a chat route: the stream fails (INTERNAL), logged once with the setting to use, counted', async () => {
    const before = h.metrics.value('semroute_extproc_requests_total', { outcome: 'unsupported_mode' }) ?? 0;
    for (const id of ['grpc-1', 'grpc-2']) {
      const s = h.envoy.open();
      await expect(s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'GRPC', response_body_mode: 'NONE' } })).rejects.toThrow(/stream closed: 13/);
      expect((await s.closed).code).toBe(grpc.status.INTERNAL);
    }
    expect(h.metrics.value('semroute_extproc_requests_total', { outcome: 'unsupported_mode' })).toBe(before + 2);
    expect(h.logs.lines.filter((l) => /request_body_mode GRPC is not supported/.test(l.msg ?? ''))).toHaveLength(1);
  });

  it('GRPC request_body_mode on another route: answered as any other (not ours to read)', async () => {
    const s = h.envoy.open();
    const r = await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/tokenize', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'GRPC', response_body_mode: 'NONE' } });
    s.end();
    expect(r.request_headers).toBeDefined();
  });
});

describe('ext_proc: FULL_DUPLEX_STREAMED with extproc.allow_mode_override declared', () => {
  const h = useRealExtProc({ extproc: { allow_mode_override: true } });

  it('no mode is asked for in full duplex, so the usage a client did not ask for is not asked upstream when the answer will not come back', async () => {
    const s = duplexStream(`127.0.0.1:${h.ext.port}`);
    s.write({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'FULL_DUPLEX_STREAMED', response_body_mode: 'NONE' } });
    s.write(requestBody(JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'hi' }] }), true));
    const [, body] = await s.replies(2);
    s.write(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const [head] = await s.replies(1);
    s.close();
    expect(JSON.parse(dec.decode(body!.request_body.response.body_mutation.streamed_response.body)).stream_options).toBeUndefined();
    expect(head!.mode_override ?? null).toBeNull();
  });
});

describe('ext_proc: FULL_DUPLEX_STREAMED, a body larger than one gRPC message', () => {
  const h = useRealExtProc({ extproc: { max_message_bytes: 8192 }, server: { max_body_bytes: 40_000 } });

  it('goes on in several streamed_responses, each within the limit, the last one ending the body', async () => {
    const s = duplexStream(`127.0.0.1:${h.ext.port}`);
    const body = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: `Summarise: ${'word '.repeat(5000)}` }] });
    s.write({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'FULL_DUPLEX_STREAMED', response_body_mode: 'NONE' } });
    for (let at = 0; at < body.length; at += 4000) s.write(requestBody(body.slice(at, at + 4000), at + 4000 >= body.length));
    const replies = await s.replies(10, 2_000);
    s.close();
    expect(replies[0]!.request_headers).toBeDefined();
    const pieces = replies.slice(1).map((r) => r.request_body.response.body_mutation.streamed_response);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.body.length).toBeLessThanOrEqual(8192 - 1024);
    expect(pieces.map((p) => p.end_of_stream)).toEqual([...pieces.slice(1).map(() => false), true]);
    expect(JSON.parse(pieces.map((p) => dec.decode(p.body)).join('')).messages).toEqual(JSON.parse(body).messages);
  });
});
