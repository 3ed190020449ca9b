// /v1/embeddings (and the other model-serving JSON routes a pii_policy reads: /v1/score, /v1/rerank, ...)
// behind Envoy with no pii_policy restricting: the HTTP gateway reads the body's model and answers an
// auto name 400 auto_model_not_routed and a model no endpoint serves 404 model_not_found, counting each
// (src/api/passthrough.ts); ext_proc let the body go on unread (request_body_mode NONE), so the engine
// got a name it does not serve. Now both doors answer alike (status, body, x-request-id, counted), and a
// served model goes on as sent, its answer's usage counted as the gateway counts it. One deps and one
// metrics registry for both doors, the gateway's upstream a real socket.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './gateway-harness.ts';
import { ownHeaders, requestBody, requestHeaders, responseBody, responseHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { useBothDoors, type ObservedExtProc } from './helpers/extproc-real-pipeline.ts';
import { metricMoves } from './helpers/metric-moves.ts';
import type { Served } from '../../runtimes/node/serve.ts';

const FAMILIES = ['llm_model_requests_total', 'llm_request_errors_total', 'llm_model_prompt_tokens_total', 'llm_model_tokens_total', 'llm_model_completion_latency_seconds_count'];
const ENVOY_STATUS: Record<string, number> = { BadRequest: 400, NotFound: 404 };
const ANSWER = JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'qwen3', usage: { prompt_tokens: 5, total_tokens: 5 } });

let upstream: http.Server;
let doors: ObservedExtProc & { gateway: Served };

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

useBothDoors(
  () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: (upstream.address() as { port: number }).port, weight: 1, models: ['qwen3'] }]),
  (d) => (doors = d),
);

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

async function viaGateway(path: string, body: unknown, id: string): Promise<Answer> {
  const r = await fetch(`${doors.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify(body) });
  return { status: r.status, headers: ownHeaders(Object.fromEntries(r.headers)), body: await r.text() };
}

/** Envoy (BUFFERED both ways): an immediate response, or what the upstream's answer became on its way. */
async function viaEnvoy(path: string, body: unknown, id: string): Promise<Answer | { sent: Msg; client: string }> {
  const s = doors.envoy.open();
  const h = await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, 'content-type': 'application/json', 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } });
  const b = h.mode_override?.request_body_mode === 'NONE' ? h : await s.send(requestBody(JSON.stringify(body)));
  if (b.response === 'immediate_response') {
    s.end();
    const r = b.immediate_response;
    return { status: ENVOY_STATUS[r.status.code] ?? -1, headers: ownHeaders(setHeaders(r.headers)), body: Buffer.from(r.body).toString() };
  }
  await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
  const a = await s.send(responseBody(ANSWER, true));
  s.end();
  return { sent: b, client: a.response_body?.response?.body_mutation?.body ? Buffer.from(a.response_body.response.body_mutation.body).toString() : ANSWER };
}

describe('ext_proc answers /v1/embeddings as the HTTP gateway does, with no pii_policy restricting', () => {
  const cases: Array<[string, string, unknown, number, string]> = [
    ['an auto name on /v1/embeddings', '/v1/embeddings', { model: 'MoM', input: 'hello' }, 400, 'auto_model_not_routed'],
    ['a model no endpoint serves on /v1/embeddings', '/v1/embeddings', { model: 'm-other', input: 'hello' }, 404, 'model_not_found'],
    ['an auto name on /v1/score', '/v1/score', { model: 'auto', text_1: 'a', text_2: 'b' }, 400, 'auto_model_not_routed'],
  ];
  for (const [what, path, body, status, code] of cases) {
    it(`${what}: the same ${status} ${code}, counted alike`, async () => {
      const id = `emb-${code}-${path}`;
      const gateway = await metricMoves(doors.metrics, FAMILIES, () => viaGateway(path, body, id));
      const extproc = await metricMoves(doors.metrics, FAMILIES, () => viaEnvoy(path, body, id));
      expect(gateway.answer.status).toBe(status);
      expect(JSON.parse(gateway.answer.body).error.code).toBe(code);
      expect(extproc.answer).toEqual(gateway.answer);
      expect(Object.keys(gateway.moved).some((k) => k.startsWith('llm_request_errors_total'))).toBe(true);
      expect(extproc.moved).toEqual(gateway.moved);
    });
  }

  it('a served model goes on as sent, its usage counted as on the gateway', async () => {
    const body = { model: 'qwen3', input: ['hello', 'world'] };
    const gateway = await metricMoves(doors.metrics, FAMILIES, () => viaGateway('/v1/embeddings', body, 'emb-ok'));
    const extproc = await metricMoves(doors.metrics, FAMILIES, () => viaEnvoy('/v1/embeddings', body, 'emb-ok'));
    expect(gateway.answer.status).toBe(200);
    expect(gateway.moved['llm_model_prompt_tokens_total{model="qwen3"}']).toBe(5);
    const e = extproc.answer as { sent: Msg; client: string };
    expect(e.sent.response).toBe('request_body');
    expect(e.sent.request_body.response?.body_mutation ?? null).toBeNull();
    expect(e.client).toBe(gateway.answer.body);
    expect(extproc.moved).toEqual(gateway.moved);
  });
});
