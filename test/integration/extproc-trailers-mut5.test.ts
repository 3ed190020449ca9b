// Mutation audit 5 of ext_proc, mutant J1 (Envoy's declared BUFFERED mode not taken as the whole body
// when its one message has no end_of_stream, as when trailers follow): the request and answer trailer
// suites run STREAMED, or an Envoy that says no mode. With the mutant, a BUFFERED chat body before
// request trailers was held (clear_body) and then refused 400 at the trailers, and a BUFFERED JSON
// answer before response trailers was held and lost: the client got an empty body. Real pipeline (no
// packs), real gRPC, Envoy played by a grpc-js client.
import { describe, expect, it } from 'vitest';
import { headerMap, requestBody, requestHeaders, responseBody, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const BUFFERED = { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' };
const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json' };
const dec = new TextDecoder();

describe('ext_proc, BUFFERED bodies that end in trailers, mutation audit 5 (J1)', () => {
  const h = useRealExtProc();

  it('the request body goes on routed with its own answer; the trailers go on after it', async () => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': 'bt-1' }), protocol_config: BUFFERED });
    const b = await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'Name a river.' }] }), false));
    const t = await s.send({ request_trailers: { trailers: headerMap({ 'x-checksum': 'abc' }) } });
    s.end();
    expect(b.response).toBe('request_body');
    expect(setHeaders(b.request_body.response.header_mutation)['x-selected-model']).toBeTruthy();
    expect(JSON.parse(dec.decode(b.request_body.response.body_mutation.body)).model).not.toBe('MoM');
    expect(t.response).toBe('request_trailers');
  });

  it('the JSON answer reaches the client whole, its tokens counted', async () => {
    const answer = JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'The Loire.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': 'bt-2' }), protocol_config: BUFFERED });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'Name a river.' }] })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const before = h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' }) ?? 0;
    const r = await s.send(responseBody(answer, false));
    await s.send({ response_trailers: { trailers: headerMap({ 'grpc-status': '0' }) } });
    s.end();
    const m = r.response_body.response?.body_mutation;
    // As it came (no mutation), or the same bytes sent back: never cleared.
    expect(m?.clear_body ?? false).toBe(false);
    expect(m?.body ? dec.decode(m.body) : answer).toBe(answer);
    expect((h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' }) ?? 0) - before).toBe(3);
  });
});
