// Mutation audit 5 of ext_proc: its accounting. Mutants that survived the extproc suites: R5 (the end
// of a JSON answer that outgrew what ext_proc holds, half of extproc.max_message_bytes, not accounted:
// extproc-answer-bound checks the bytes the client gets, not the accounting, so every such answer,
// complete and 200, was counted and logged as a cancellation when Envoy closed the stream); C2 (a
// request semroute answered itself counted semroute_extproc_requests_total{outcome="forward"}: no
// test read the respond / forward / pass outcomes). Real pipeline (no packs), real gRPC, Envoy played
// by a grpc-js client and closing as Envoy does (a half-close, then a reset).
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { metricMoves } from './helpers/metric-moves.ts';
import { until } from './helpers/until.ts';

const MAX = 8192;

describe('ext_proc accounting, mutation audit 5', () => {
  const h = useRealExtProc({ extproc: { max_message_bytes: MAX }, server: { max_body_bytes: 4000 } });
  const lines = (id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id);

  it('R5: a STREAMED JSON answer past what is held: its end is accounted: one request line with status 200, no cancellation when Envoy closes the stream', async () => {
    const id = 'outgrown-1';
    const answer = JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(3 * MAX) }, finish_reason: 'stop' }] });
    const { moved } = await metricMoves(h.metrics, ['llm_request_errors_total'], async () => {
      const s = h.envoy.open();
      await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
      await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'Name a river.' }] })));
      await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
      for (let at = 0; at < answer.length; at += 1000) await s.send(responseBody(answer.slice(at, at + 1000), at + 1000 >= answer.length));
      s.end();
      s.cancel();
      await s.closed;
      await until(() => lines(id).length > 0, 5_000).catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(h.logs.lines.some((l) => String(l.msg).includes('answer outgrew')), 'the answer went past the bound').toBe(true);
    expect(moved).toEqual({});
    expect(lines(id).map((l) => [l.obj.status, l.obj.error])).toEqual([[200, undefined]]);
  });

  it('C2: each request counted under what ext_proc did with it (forward, respond, pass)', async () => {
    const send = async (body: string) => {
      const s = h.envoy.open();
      await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' } });
      const r = await s.send(requestBody(body));
      s.end();
      return r;
    };
    const { moved } = await metricMoves(h.metrics, ['semroute_extproc_requests_total'], async () => {
      expect((await send(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'Name a river.' }] }))).request_body.response.body_mutation.body).toBeDefined();
      // Past server.max_body_bytes: the gateway's 413, from semroute.
      expect((await send(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }))).immediate_response.status.code).toBe('PayloadTooLarge');
      // No guard on: a body that is no chat request goes on as it came, for the engine to answer.
      expect((await send('{"model": "MoM"}')).request_body.response.body_mutation ?? null).toBeNull();
    });
    expect(moved).toEqual({
      'semroute_extproc_requests_total{outcome="forward"}': 1,
      'semroute_extproc_requests_total{outcome="respond"}': 1,
      'semroute_extproc_requests_total{outcome="pass"}': 1,
    });
  });
});
