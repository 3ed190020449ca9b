// A POST whose request headers carry end_of_stream (no body: Envoy sends no request_body message) on a
// route ext_proc reads. The HTTP gateway reads the empty body as any other: chat answers 400
// invalid_json (counted: a request and a parse_error), a generation route goes on, counted once under
// model "unknown", its answer accounted. ext_proc passed both on uncounted (only
// semroute_extproc_requests_total{outcome=pass}), and with a guard on let chat's empty body reach the
// engine where every other unreadable body gets the gateway's 400. Both doors over one deps and one
// metrics registry; the gateway's upstream a real socket answering 400, as an engine answers no body.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './gateway-harness.ts';
import { ownHeaders, requestHeaders, responseBody, responseHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { useBothDoors, type ObservedExtProc } from './helpers/extproc-real-pipeline.ts';
import { metricMoves } from './helpers/metric-moves.ts';
import type { Served } from '../../runtimes/node/serve.ts';

const FAMILIES = ['llm_model_requests_total', 'llm_request_errors_total'];
const ENGINE_400 = JSON.stringify({ object: 'error', message: 'Expecting value: line 1 column 1 (char 0)', type: 'BadRequestError', code: 400 });

let upstream: http.Server;
let doors: ObservedExtProc & { gateway: Served };

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' }).end(ENGINE_400));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

useBothDoors(
  () => testConfig({ prompt_guard: { enabled: true, threshold: 0.7, on_error: 'allow' } }, [{ name: 'production-stack', address: '127.0.0.1', port: (upstream.address() as { port: number }).port, weight: 1 }]),
  (d) => (doors = d),
);

const head = (path: string, id: string) => ({ ':method': 'POST', ':path': path, 'content-type': 'application/json', 'x-request-id': id });

async function viaGateway(path: string, id: string) {
  const r = await fetch(`${doors.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id } });
  return { status: r.status, headers: ownHeaders(Object.fromEntries(r.headers)), body: await r.text() };
}

/** The request headers with end_of_stream; a request that goes on gets the engine's 400 back. */
async function viaEnvoy(path: string, id: string): Promise<Msg> {
  const s = doors.envoy.open();
  const h = await s.send(requestHeaders(head(path, id), true));
  if (h.response !== 'immediate_response') {
    await s.send(responseHeaders({ ':status': '400', 'content-type': 'application/json' }));
    await s.send(responseBody(ENGINE_400, true));
  }
  s.end();
  return h;
}

describe('ext_proc: a POST with no body (end_of_stream on its headers), as the HTTP gateway takes it', () => {
  it('chat with a guard on: the gateway\'s 400 invalid_json, counted alike', async () => {
    const gateway = await metricMoves(doors.metrics, FAMILIES, () => viaGateway('/v1/chat/completions', 'empty-chat'));
    const extproc = await metricMoves(doors.metrics, FAMILIES, () => viaEnvoy('/v1/chat/completions', 'empty-chat'));
    expect(gateway.answer.status).toBe(400);
    expect(JSON.parse(gateway.answer.body).error.code).toBe('invalid_json');
    const ir = extproc.answer.immediate_response;
    expect(ir, 'an immediate response to the headers').toBeDefined();
    expect({ status: ir.status.code, headers: ownHeaders(setHeaders(ir.headers)), body: Buffer.from(ir.body).toString() }).toEqual({ ...gateway.answer, status: 'BadRequest' });
    expect(extproc.moved).toEqual(gateway.moved);
  });

  it('/v1/completions: goes on, counted once as "unknown", the engine\'s 400 counted upstream_4xx', async () => {
    const gateway = await metricMoves(doors.metrics, FAMILIES, () => viaGateway('/v1/completions', 'empty-cmpl'));
    const extproc = await metricMoves(doors.metrics, FAMILIES, () => viaEnvoy('/v1/completions', 'empty-cmpl'));
    expect(gateway.answer.status).toBe(400);
    expect(gateway.moved).toEqual({ 'llm_model_requests_total{model="unknown"}': 1, 'llm_request_errors_total{model="unknown",reason="upstream_4xx"}': 1 });
    expect(extproc.answer.response).toBe('request_headers');
    expect(extproc.moved).toEqual(gateway.moved);
  });
});
