// A JSON answer that reaches ext_proc in more than one response_body message must still be read whole
// by the taps (PII restore, cache store, usage). Envoy sends it so when the filter's response_body_mode
// is STREAMED (one message per upstream chunk, each going on to the client as soon as it is answered),
// and in BUFFERED mode when the answer ends in trailers (the whole buffer without end_of_stream). Before,
// only a single message with end_of_stream was read: a STREAMED JSON answer went out unrestored (the
// client got the placeholders) and its last chunk alone was parsed (no usage). Real gRPC, Envoy played
// by a grpc-js client.
import { describe, expect, it } from 'vitest';
import type { ResponseTap } from '../../src/pipeline/context.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, type EnvoyStream, type Msg } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps, forward, recordingPipeline } from './helpers/extproc-fakes.ts';
import { useExtProc } from './helpers/extproc-server.ts';

const ANSWER = JSON.stringify({ id: 'c1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Write to <EMAIL_ADDRESS_1> ü' }, finish_reason: 'stop' }] });
const withModes = (msg: Msg, response: string): Msg => ({ ...msg, protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: response } });

describe('ext_proc reads a JSON answer that came in several messages', () => {
  const stored: unknown[] = [];
  const taps: ResponseTap[] = [
    { name: 'restore', json: (c) => JSON.parse(JSON.stringify(c).replace('<EMAIL_ADDRESS_1>', 'ann@example.com')) },
    { name: 'store', done: (a) => void stored.push(a.completion) },
  ];
  const pipeline = recordingPipeline({ outcome: () => forward({ model: 'qwen3-math', messages: [] }, taps) });
  const ext = useExtProc(fakeDeps(), { pipeline });

  async function open(first: Msg): Promise<EnvoyStream> {
    const s = ext.client.open();
    await s.send(first);
    await s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}'));
    return s;
  }

  /** What the client gets of each answer: the chunk as it came, its replacement, or nothing. */
  function clientGets(sent: Buffer, reply: Msg): Buffer {
    const m = reply.response_body.response.body_mutation;
    if (!m) return sent;
    return m.clear_body ? Buffer.alloc(0) : Buffer.from(m.body);
  }

  it('STREAMED (protocol_config): chunks held, the restored answer goes whole with the last; the store sees it', async () => {
    const s = await open(withModes(requestHeaders(CHAT), 'STREAMED'));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const bytes = Buffer.from(ANSWER);
    const parts = [bytes.subarray(0, 30), bytes.subarray(30, 61), bytes.subarray(61)];
    const out: Buffer[] = [];
    for (const [i, p] of parts.entries()) out.push(clientGets(p, await s.send({ response_body: { body: p, end_of_stream: i === 2 } })));
    s.end();
    expect(JSON.parse(Buffer.concat(out).toString()).choices[0].message.content).toBe('Write to ann@example.com ü');
    expect(stored.at(-1)).toMatchObject({ id: 'c1' });
  });

  it('BUFFERED with trailers: the whole answer without end_of_stream is read at once', async () => {
    const s = await open(withModes(requestHeaders(CHAT), 'BUFFERED'));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const r = await s.send(responseBody(ANSWER, false));
    expect(JSON.parse(Buffer.from(r.response_body.response.body_mutation.body).toString()).choices[0].message.content).toBe('Write to ann@example.com ü');
    const t = await s.send({ response_trailers: { trailers: { headers: [] } } });
    expect(t.response).toBe('response_trailers');
    s.end();
  });

  it('an Envoy that does not say its mode: a JSON document without end_of_stream is the whole answer', async () => {
    const s = await open(requestHeaders(CHAT));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const r = await s.send(responseBody(ANSWER, false));
    expect(JSON.parse(Buffer.from(r.response_body.response.body_mutation.body).toString()).choices[0].message.content).toBe('Write to ann@example.com ü');
    s.end();
  });
});

describe('with extproc.allow_mode_override: a JSON answer is asked for BUFFERED', () => {
  const pipeline = recordingPipeline({ outcome: () => forward({ model: 'qwen3-math', messages: [] }, [{ name: 'restore', json: (c) => c }]) });
  const ext = useExtProc(fakeDeps({ extproc: { allow_mode_override: true } }), { pipeline });

  it('so that an answer ending in trailers comes whole (a STREAMED one would leave ext_proc no end to send the held chunks with)', async () => {
    const s = ext.client.open();
    await s.send(withModes(requestHeaders(CHAT), 'STREAMED'));
    await s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}'));
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    expect(rh.mode_override?.response_body_mode).toBe('BUFFERED');
    // Envoy now buffers: an answer ending in trailers comes whole without end_of_stream, and is read so.
    const r = await s.send(responseBody(ANSWER, false));
    s.end();
    expect(r.response_body.response.body_mutation?.clear_body).toBeFalsy();
  });
});
