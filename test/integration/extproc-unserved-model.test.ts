// A model no vllm_endpoints entry serves (their `models` lists do not name it), through ext_proc: the
// gateway answers 404 model_not_found when the client named it and 502 no_endpoint when routing chose
// it, without asking any upstream. ext_proc must answer the same as an immediate response (status,
// x-request-id, content type, body), counted and logged as the gateway does, rather than let the
// request go on without x-gateway-destination-endpoint for Envoy to send wherever its route points.
// Real gRPC (Envoy played by a grpc-js client), the HTTP gateway on a real socket, one deps for both.
import { describe, expect, it } from 'vitest';
import type { Registry } from '../../src/observability/registry.ts';
import type { Served } from '../../runtimes/node/serve.ts';
import { useBothDoors } from './helpers/extproc-real-pipeline.ts';
import { testConfig, type LogCapture } from './gateway-harness.ts';
import { type EnvoyClient, requestBody, requestHeaders, setHeaders, type Msg, ownHeaders } from './helpers/envoy-client.ts';

const STATUS_NAMES: Record<number, string> = { 404: 'NotFound', 502: 'BadGateway' };
const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json' };

let gateway: Served;
let envoy: EnvoyClient;
let metrics: Registry;
let logs: LogCapture;

// Routing off: an auto name goes to default_model, which no endpoint's list names (a routed model).
useBothDoors(
  () => testConfig({ routing: { enabled: false }, default_model: 'm-nowhere' }, [{ name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1, models: ['qwen3'] }]),
  (doors) => ({ gateway, envoy, metrics, logs } = doors),
);

const errors = (model: string, reason: string) => metrics.value('llm_request_errors_total', { model, reason }) ?? 0;
const requestLine = (id: string) => logs.lines.find((l) => l.obj.request_id === id && typeof l.obj.status === 'number');

async function viaEnvoy(body: string, id: string): Promise<Msg> {
  const s = envoy.open();
  await s.send(requestHeaders({ ...CHAT, 'x-request-id': id }));
  const a = await s.send(requestBody(body));
  s.end();
  return a;
}

describe('ext_proc: a model no endpoint serves is answered as the gateway answers it', () => {
  it.each([
    // (A name the config does not know is labelled `other` on the metrics, as on the gateway.)
    ['named by the client: 404 model_not_found', 'm-other', 'other', 'model_not_found', 404],
    ['chosen by routing: 502 no_endpoint', 'MoM', 'm-nowhere', 'upstream_unavailable', 502],
  ])('%s', async (_name, asked, label, reason, status) => {
    const body = JSON.stringify({ model: asked, messages: [{ role: 'user', content: 'hi' }] });
    const n0 = errors(label, reason);
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `gw-${asked}` }, body });
    const http = { status: res.status, headers: ownHeaders(Object.fromEntries(res.headers)), body: await res.text() };
    expect(http.status).toBe(status);
    expect(errors(label, reason)).toBe(n0 + 1);

    const a = await viaEnvoy(body, `gw-${asked}`);
    expect(a.response, 'an immediate response, not the request sent on').toBe('immediate_response');
    const ir = a.immediate_response;
    expect(ir.status.code).toBe(STATUS_NAMES[status]);
    expect(ownHeaders(setHeaders(ir.headers))).toEqual(http.headers);
    expect(Buffer.from(ir.body).toString()).toBe(http.body);
    // Counted and logged as on the gateway: the same error reason, a request line with the status.
    expect(errors(label, reason)).toBe(n0 + 2);
    const lines = logs.lines.filter((l) => l.obj.request_id === `gw-${asked}` && l.obj.status === status && l.obj.error_reason === reason);
    expect(lines).toHaveLength(2);
    const timeless = (o: Record<string, unknown>) => ({ ...o, latency_ms: undefined });
    expect(timeless(lines[1]!.obj)).toEqual(timeless(lines[0]!.obj));
  });

  it('a model the endpoint lists still goes on, to that endpoint', async () => {
    const a = await viaEnvoy(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }), 'served-1');
    expect(a.response).toBe('request_body');
    const set = setHeaders(a.request_body.response.header_mutation);
    expect(set['x-selected-model']).toBe('qwen3');
    expect(set['x-gateway-destination-endpoint']).toBe('127.0.0.1:9');
    expect(requestLine('served-1')).toBeUndefined();
  });
});
