// A JSON answer ext_proc holds to read whole (STREAMED chunks answered clear_body) is bounded by what
// one gRPC answer may carry (extproc.max_message_bytes): the answer that lets the held chunks go must fit
// in one message. Past the bound the held chunks go on as they came, with the rest untouched (not read:
// no restore, said in a warning), and the stream does not fail. Real gRPC (Envoy played by a grpc-js client).
import { describe, expect, it } from 'vitest';
import { restoreTap } from '../../src/guard/redaction.ts';
import { clientBytes, requestBody, requestHeaders, responseBody, responseHeaders, type Msg } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps, forward, recordingPipeline } from './helpers/extproc-fakes.ts';
import { forwardingPipeline, useExtProc } from './helpers/extproc-server.ts';

const MAX = 8192;
const deps = fakeDeps({ extproc: { max_message_bytes: MAX } });
const dec = new TextDecoder();

describe('ext_proc: a JSON answer larger than one gRPC message, in STREAMED chunks', () => {
  const ext = useExtProc(deps, { pipeline: forwardingPipeline([restoreTap(new Map([['<EMAIL_ADDRESS_2>', 'ann@example.com']]))]) });

  async function run(answer: string, chunk: number): Promise<string> {
    const s = ext.client.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'hi' }] })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    let client = '';
    for (let at = 0; at < answer.length; at += chunk) client += clientBytes(answer.slice(at, at + chunk), await s.send(responseBody(answer.slice(at, at + chunk), at + chunk >= answer.length)));
    s.end();
    return client;
  }

  it('past the bound: every byte reaches the client as it came, in order, and a warning says it went unread', async () => {
    const answer = JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `Mail <EMAIL_ADDRESS_2> ${'x'.repeat(3 * MAX)}` }, finish_reason: 'stop' }] });
    expect(await run(answer, 1000)).toBe(answer);
    expect(deps.logs.some((l) => l.includes('answer outgrew'))).toBe(true);
  });

  it('within the bound: read whole and restored', async () => {
    const answer = JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `Mail <EMAIL_ADDRESS_2> ${'x'.repeat(MAX / 4)}` }, finish_reason: 'stop' }] });
    expect(JSON.parse(await run(answer, 1000)).choices[0].message.content).toContain('Mail ann@example.com');
  });
});

describe('ext_proc: a JSON answer whose restore would outgrow one gRPC message (BUFFERED)', () => {
  const long = `${'a'.repeat(60)}@example.com`;
  const d = fakeDeps({ extproc: { max_message_bytes: MAX } });
  const ext = useExtProc(d, { pipeline: forwardingPipeline([restoreTap(new Map([['<EMAIL_ADDRESS_2>', long]]))]) });

  it('goes on as it came (unrestored), the stream intact, a warning logged', async () => {
    const answer = JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: '<EMAIL_ADDRESS_2> '.repeat(200) }, finish_reason: 'stop' }] });
    expect(answer.length).toBeLessThan(MAX - 1024);
    const s = ext.client.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } });
    await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'hi' }] })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const reply = await s.send(responseBody(answer, true));
    s.end();
    expect(clientBytes(answer, reply)).toBe(answer);
    expect(d.logs.some((l) => l.includes('rewritten JSON answer outgrew'))).toBe(true);
  });
});

describe('ext_proc: a STREAMED request body larger than one gRPC message (server.max_body_bytes above it)', () => {
  const d = fakeDeps({ extproc: { max_message_bytes: MAX }, server: { max_body_bytes: 10 * MAX } });
  // Forwards the body it read, as the real pipeline does (rewritten): the last answer carries all of it.
  const ext = useExtProc(d, { pipeline: recordingPipeline({ outcome: (input) => forward(JSON.parse(dec.decode(input.body))) }) });

  it("is refused 413 once its held chunks could no longer go back in one answer, the stream intact", async () => {
    const s = ext.client.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'STREAMED', response_body_mode: 'NONE' } });
    const body = JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'x'.repeat(3 * MAX) }] });
    let last: Msg | undefined;
    for (let at = 0; at < body.length && !last?.immediate_response; at += 2000) last = await s.send(requestBody(body.slice(at, at + 2000), at + 2000 >= body.length));
    s.end();
    expect(last!.immediate_response?.status?.code).toBe('PayloadTooLarge');
    expect(JSON.parse(dec.decode(last!.immediate_response.body)).error.code).toBe('request_too_large');
    expect(d.logs.some((l) => l.includes('max_message_bytes'))).toBe(true);
  });

  it('the same when the chunk that ends it takes it past the bound', async () => {
    const s = ext.client.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'STREAMED', response_body_mode: 'NONE' } });
    const body = JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'x'.repeat(MAX) }] });
    const first = await s.send(requestBody(body.slice(0, 5000), false));
    expect(first.request_body.response.body_mutation.clear_body).toBe(true);
    const last = await s.send(requestBody(body.slice(5000), true));
    s.end();
    expect(last.immediate_response?.status?.code).toBe('PayloadTooLarge');
  });
});

describe('ext_proc: a BUFFERED request body the pipeline rewrites past one gRPC message', () => {
  const d = fakeDeps({ extproc: { max_message_bytes: MAX } });
  // A long system prompt added, as model_config / categories may.
  const ext = useExtProc(d, { pipeline: recordingPipeline({ outcome: (input) => forward({ ...JSON.parse(dec.decode(input.body)), system: 'y'.repeat(MAX) }) }) });

  it('is refused 413, the stream intact', async () => {
    const s = ext.client.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' } });
    const r = await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'hi' }] })));
    s.end();
    expect(r.immediate_response?.status?.code).toBe('PayloadTooLarge');
  });
});
