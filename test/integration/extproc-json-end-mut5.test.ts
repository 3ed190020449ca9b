// Mutation audit 5 of ext_proc, mutants JE1 (a backslash in a JSON string not read as an escape) and
// JE2 (strings not tracked at all) in json-end.ts, where a STREAMED body's end is read from its bytes
// when it ends in trailers (no end_of_stream): the trailer suites' bodies hold no bracket or escaped
// quote inside a string. With either mutant a text such as 'Is "[" a regex token?' kept the document
// open, so a chat request was refused 400 at its trailers and a JSON answer held to its trailers was
// lost (the client got an empty body). Real pipeline (no packs), real gRPC, Envoy played by a grpc-js client.
import { describe, expect, it } from 'vitest';
import { headerMap, pieces, requestBody, requestHeaders, responseBody, responseHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const STREAMED = { request_body_mode: 'STREAMED', response_body_mode: 'STREAMED' };
const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json' };
const TEXT = 'Is "[" a regex token, and is "{" one in a JSON string like {"a": "b\\\\"}?';
const dec = new TextDecoder();

/** What Envoy sends on for chunk `sent` of `kind`, from ext_proc's answer to it. */
function onward(kind: 'request_body' | 'response_body', sent: Buffer, reply: Msg): string {
  const m = reply[kind]?.response?.body_mutation;
  if (!m) return sent.toString();
  if (m.clear_body) return '';
  return m.body ? dec.decode(m.body) : sent.toString();
}

describe('ext_proc, STREAMED JSON bodies that end in trailers, with brackets and escapes in their strings, mutation audit 5', () => {
  const h = useRealExtProc();

  it('the request goes on routed, whole, before its trailers', async () => {
    const body = JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: TEXT }] });
    const s = h.envoy.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: STREAMED });
    let upstream = '';
    let last: Msg | undefined;
    for (const part of pieces(body, 4)) upstream += onward('request_body', part, (last = await s.send(requestBody(part, false))));
    const t = await s.send({ request_trailers: { trailers: headerMap({ 'x-checksum': 'abc' }) } });
    s.end();
    expect(t.response, 'not refused at the trailers').toBe('request_trailers');
    expect(setHeaders(last!.request_body.response.header_mutation)['x-selected-model']).toBeTruthy();
    expect(JSON.parse(upstream).messages[0].content).toBe(TEXT);
  });

  it('the JSON answer reaches the client whole before its trailers', async () => {
    const answer = JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: TEXT }, finish_reason: 'stop' }] });
    const s = h.envoy.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: STREAMED });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }), true));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    let client = '';
    for (const part of pieces(answer, 4)) client += onward('response_body', part, await s.send(responseBody(part.toString(), false)));
    await s.send({ response_trailers: { trailers: headerMap({ 'grpc-status': '0' }) } });
    s.end();
    expect(client).toBe(answer);
  });
});
