// Mutation audit 5 of ext_proc: request bodies that go on without the chat pipeline's rewrite. Mutants
// that survived the extproc suites: C3 (a chat body passed on unread, with no guard on, in STREAMED
// chunks: the last answer no longer carried the chunks held before it, each answered clear_body, so the
// engine got the body's tail alone), C4 (a generation route's body rewritten to ask for the usage,
// stream_options.include_usage, sent without its new content-length: in BUFFERED mode Envoy sends the
// client's length with the longer body). Real pipeline (no packs, no guard), real gRPC, Envoy played by
// a grpc-js client.
import { describe, expect, it } from 'vitest';
import { pieces, requestBody, requestHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const dec = new TextDecoder();
const head = (path: string, requestMode: string, responseMode = 'NONE') => ({
  ...requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', 'content-type': 'application/json' }),
  protocol_config: { request_body_mode: requestMode, response_body_mode: responseMode },
});

/** What Envoy sends upstream for a request body chunk `sent`, from ext_proc's answer to it. */
function upstreamBytes(sent: Buffer, reply: Msg): string {
  const m = reply.request_body?.response?.body_mutation;
  if (!m) return sent.toString();
  if (m.clear_body) return '';
  return m.body ? dec.decode(m.body) : sent.toString();
}

describe('ext_proc, bodies that go on unrewritten, mutation audit 5', () => {
  const h = useRealExtProc();

  it.each([
    ['a JSON document that is no chat request', '{"model": "MoM", "messages": "Name a river in France, please, and say why it matters."}'],
    ['a body that is no JSON (ended by end_of_stream)', '{"model": "MoM", "messages": [{"role": "user", "content": "Name a river in France, please"'],
  ])('C3: %s in STREAMED chunks reaches the engine whole, as the client sent it', async (_name, body) => {
    const s = h.envoy.open();
    await s.send(head('/v1/chat/completions', 'STREAMED'));
    const parts = pieces(body, 3);
    let upstream = '';
    for (const [i, part] of parts.entries()) upstream += upstreamBytes(part, await s.send(requestBody(part, i === parts.length - 1)));
    s.end();
    expect(upstream).toBe(body);
  });

  it('C4: a completions stream whose usage is asked for goes on with the rewritten body\'s content-length', async () => {
    const s = h.envoy.open();
    await s.send(head('/v1/completions', 'BUFFERED', 'STREAMED'));
    const r = await s.send(requestBody(JSON.stringify({ model: 'qwen3', prompt: 'Name a river.', stream: true })));
    s.end();
    const common = r.request_body.response;
    const sent = common.body_mutation.body as Uint8Array;
    expect(JSON.parse(dec.decode(sent)).stream_options).toEqual({ include_usage: true });
    expect(setHeaders(common.header_mutation)['content-length']).toBe(String(sent.byteLength));
  });
});
