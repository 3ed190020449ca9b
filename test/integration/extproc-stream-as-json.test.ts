// A request without `stream` that the upstream answers 200 with text/event-stream: the gateway assembles
// the chat.completion the JSON client expects (5b751f7, gateway-stream-as-json); behind Envoy in BUFFERED
// response mode ext_proc replaces the body (and its content-type and length) the same way, and answers a
// stream that is the upstream's error or no whole answer with the gateway's 502. In STREAMED mode the head
// has gone on before the body is read: the events pass as they came (the difference the README states).
// Real gRPC (Envoy played by a grpc-js client), real pipeline.
import { describe, expect, it } from 'vitest';
import { completionChunks } from '../../src/mock/answers.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const dec = new TextDecoder();
const chunks = completionChunks('c1', 'qwen3', 1, 9, true);
const SSE = chunks.map((p) => `data: ${p}\n\n`).join('');
const TEXT = chunks.slice(0, -2).map((p) => JSON.parse(p).choices[0]?.delta?.content ?? '').join('');
const USAGE = JSON.parse(chunks.at(-2)!).usage;

describe('ext_proc: an event stream answered to a request without stream', () => {
  const h = useRealExtProc();

  /** Request headers and body through ext_proc, Envoy's response mode said; then the answer's head and its body in one message. */
  async function run(mode: string, body: Record<string, unknown>, sse: string, id = 'x'): Promise<{ head: Msg; reply: Msg }> {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'Name three rivers' }], ...body })));
    const head = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream', 'content-length': String(sse.length) }));
    const reply = await s.send(responseBody(sse, true));
    s.end();
    return { head, reply };
  }

  it('BUFFERED: the body becomes the chat.completion, application/json with its length; tokens counted', async () => {
    const before = h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' }) ?? 0;
    const { head, reply } = await run('BUFFERED', {}, SSE);
    expect(head.mode_override?.response_body_mode).not.toBe('NONE');
    const r = reply.response_body.response;
    const body = dec.decode(r.body_mutation.body);
    const json = JSON.parse(body);
    expect(json).toMatchObject({ id: 'c1', object: 'chat.completion', model: 'qwen3', usage: USAGE });
    expect(json.choices).toEqual([expect.objectContaining({ index: 0, finish_reason: 'stop', message: expect.objectContaining({ role: 'assistant', content: TEXT }) })]);
    expect(setHeaders(r.header_mutation)).toMatchObject({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    expect(h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' })).toBe(before + USAGE.completion_tokens);
  });

  it("BUFFERED: the upstream's error event is the gateway's 502 with its message", async () => {
    const err = `data: ${JSON.stringify({ error: { message: 'engine died', type: 'internal_error', code: 500 } })}\n\n`;
    const before = h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;
    const { reply } = await run('BUFFERED', {}, `data: ${chunks[0]}\n\n${err}`, 'as-json-err');
    expect(reply.immediate_response?.status?.code).toBe('BadGateway');
    expect(dec.decode(reply.immediate_response.body)).toContain('engine died');
    expect(h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' })).toBe(before + 1);
    const line = h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'as-json-err').map((l) => l.obj);
    expect(line).toEqual([expect.objectContaining({ status: 502, error_reason: 'upstream_5xx' })]);
  });

  it('BUFFERED: a stream that is no whole answer is 502 upstream_stream_incomplete', async () => {
    const { reply } = await run('BUFFERED', {}, chunks.slice(0, 3).map((p) => `data: ${p}\n\n`).join(''), 'as-json-cut');
    expect(reply.immediate_response?.status?.code).toBe('BadGateway');
    expect(h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'as-json-cut').map((l) => l.obj)).toEqual([expect.objectContaining({ status: 502, error_reason: 'upstream_error' })]);
    expect(JSON.parse(dec.decode(reply.immediate_response.body)).error.code).toBe('upstream_stream_incomplete');
  });

  it('BUFFERED, a client that asked for the stream: the events pass as they came', async () => {
    const { reply } = await run('BUFFERED', { stream: true, stream_options: { include_usage: true } }, SSE);
    expect(reply.response_body.response?.body_mutation).toBeFalsy();
  });

  it('STREAMED: the head has gone on, so the events pass as they came (README: ext_proc)', async () => {
    const { reply } = await run('STREAMED', {}, SSE);
    expect(reply.response_body.response?.body_mutation).toBeFalsy();
  });
});
