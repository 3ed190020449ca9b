// Envoy's GRPC body mode for the answer (response_body_mode GRPC: the body as gRPC messages, answered
// only with streamed_response) on a chat route, whose answer ext_proc reads (PII restore, cache store,
// token metrics). It was taken as a mode that sends no body: the request was routed and forwarded, its
// answer accounted unseen at its head and passed on unread (placeholders unrestored, nothing stored,
// no tokens), and any body message answered with a CommonResponse that mode does not take. It is now
// refused as request_body_mode GRPC is (ab62dc7): the stream fails (INTERNAL, Envoy's
// failure_mode_allow decides), an error naming the setting logged once, each request counted
// unsupported_mode. Routes whose answer ext_proc does not read are answered as before. Real gRPC.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const GRPC_ANSWER = { request_body_mode: 'BUFFERED', response_body_mode: 'GRPC' };

describe('ext_proc: response_body_mode GRPC', () => {
  const h = useRealExtProc();
  const unsupported = () => h.metrics.value('semroute_extproc_requests_total', { outcome: 'unsupported_mode' }) ?? 0;

  it('on a chat route: the stream fails (INTERNAL) at the request headers, logged once naming the setting, counted', async () => {
    const before = unsupported();
    for (const id of ['grpc-answer-1', 'grpc-answer-2']) {
      const s = h.envoy.open();
      await expect(s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: GRPC_ANSWER })).rejects.toThrow(/stream closed: 13/);
      expect((await s.closed).code).toBe(grpc.status.INTERNAL);
    }
    expect(unsupported()).toBe(before + 2);
    const said = h.logs.lines.filter((l) => /response_body_mode GRPC is not supported/.test(l.msg ?? ''));
    expect(said).toHaveLength(1);
    expect(said[0]!.level).toBe('error');
    // Nothing was forwarded: no request line for a routed request.
    expect(h.logs.lines.filter((l) => l.msg === 'request' && /^grpc-answer-/.test(String(l.obj.request_id)))).toEqual([]);
  });

  it('on a generation route (its answer is not read) and another route: answered as before', async () => {
    const before = unsupported();
    const gen = h.envoy.open();
    const head = await gen.send({ ...requestHeaders({ ...CHAT, ':path': '/v1/completions' }), protocol_config: GRPC_ANSWER });
    expect(head.response).toBe('request_headers');
    const body = await gen.send(requestBody(JSON.stringify({ model: 'qwen3', prompt: 'Hello there.' })));
    expect(body.response).toBe('request_body');
    gen.end();
    const other = h.envoy.open();
    expect((await other.send({ ...requestHeaders({ ...CHAT, ':path': '/tokenize' }), protocol_config: GRPC_ANSWER })).response).toBe('request_headers');
    other.end();
    expect(unsupported()).toBe(before);
  });

  it('on a chat route whose body Envoy does not send (request_body_mode NONE): nothing is read, nothing refused', async () => {
    const before = unsupported();
    const s = h.envoy.open();
    const r = await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'NONE', response_body_mode: 'GRPC' } });
    s.end();
    expect(r.response).toBe('request_headers');
    expect(unsupported()).toBe(before);
  });

  it('request_body_mode GRPC is still refused under its own name', async () => {
    const s = h.envoy.open();
    await expect(s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'GRPC', response_body_mode: 'NONE' } })).rejects.toThrow(/stream closed: 13/);
    expect(h.logs.lines.filter((l) => /request_body_mode GRPC is not supported/.test(l.msg ?? ''))).toHaveLength(1);
  });
});
