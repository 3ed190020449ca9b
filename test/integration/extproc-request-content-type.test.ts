// A chat request whose content type is not JSON. The HTTP gateway refuses it before reading the body
// (415 unsupported_media_type, counted as a request and a parse_error under `unknown`: body.ts
// checkJsonContentType), as vLLM refuses it (validate_json_request: 415). Behind Envoy, ext_proc read
// the same bytes as JSON whatever their content type, classified, routed and forwarded them: another
// answer and other series for the same request. Now it refuses it as the gateway does while a guard
// reads requests, and without one lets it on unread (the upstream answers it), counted alike. Both
// doors over one deps and one registry, real gRPC, a mock upstream behind the gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';
import { ownHeaders, requestBody, requestHeaders, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { startBothDoors } from './helpers/extproc-real-pipeline.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { metricMoves } from './helpers/metric-moves.ts';

const FAMILIES = ['llm_model_requests_total', 'llm_request_errors_total', 'llm_routing_reason_codes_total'];
const CHAT = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'Name a river.' }] });
const ENVOY_STATUS: Record<string, number> = { UnsupportedMediaType: 415 };

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer();
});
afterAll(() => mock?.close());

function bothDoors(guard: boolean) {
  const h = {} as { doors: Awaited<ReturnType<typeof startBothDoors>>; metrics: ReturnType<typeof createMetrics> };
  beforeAll(async () => {
    // routing off: no category pack needed; prompt_guard on is a guard reading requests (its pack
    // missing, on_error allow lets each request by).
    const config = testConfig({ prompt_guard: { enabled: guard }, routing: { enabled: false } }, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
    h.metrics = createMetrics({ config });
    h.doors = await startBothDoors(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics: h.metrics, noCache: true });
  }, 60_000);
  afterAll(() => h.doors?.close());
  return h;
}

async function viaGateway(url: string, type: string, id: string) {
  const r = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': type, 'x-request-id': id }, body: CHAT });
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => (headers[k] = v));
  return { status: r.status, body: (await r.json()) as unknown, headers: ownHeaders(headers) };
}

/** ext_proc's immediate response, or 'as sent' / 'rewritten' for a body it let on. */
async function viaEnvoy(envoy: Awaited<ReturnType<typeof startBothDoors>>['envoy'], type: string, id: string) {
  const s = envoy.open();
  await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': type, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' } });
  const b = await s.send(requestBody(CHAT));
  if (b.response !== 'immediate_response') {
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    s.end();
    const m = b.request_body?.response?.body_mutation;
    return m?.body ? 'rewritten' : 'as sent';
  }
  s.end();
  const r = b.immediate_response;
  return { status: ENVOY_STATUS[r.status.code] ?? -1, body: JSON.parse(Buffer.from(r.body).toString()) as unknown, headers: ownHeaders(setHeaders(r.headers)) };
}

const REFUSED = ['text/plain', 'Text/Plain; charset=UTF-8', 'application/x-www-form-urlencoded'];

describe('a guard on: a chat body whose content type is not JSON gets the gateway\'s 415', () => {
  const h = bothDoors(true);
  for (const [i, type] of REFUSED.entries()) {
    it(`${type}: the same answer and series`, async () => {
      const gateway = await metricMoves(h.metrics, FAMILIES, () => viaGateway(h.doors.gateway.url, type, `ct-${i}`));
      const extproc = await metricMoves(h.metrics, FAMILIES, () => viaEnvoy(h.doors.envoy, type, `ct-${i}`));
      expect(gateway.answer).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
      expect(extproc.answer).toEqual(gateway.answer);
      expect(extproc.moved).toEqual(gateway.moved);
    });
  }
  it('JSON spelled otherwise (a charset, +json) is read and routed on both doors', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/vnd.api+json']) {
      const gateway = await metricMoves(h.metrics, FAMILIES, () => viaGateway(h.doors.gateway.url, type, 'ct-json'));
      const extproc = await metricMoves(h.metrics, FAMILIES, () => viaEnvoy(h.doors.envoy, type, 'ct-json'));
      expect(gateway.answer).toMatchObject({ status: 200 });
      expect(extproc.answer).toBe('rewritten');
      expect(extproc.moved).toEqual(gateway.moved);
    }
  });
});

describe('no guard: such a body goes on unread for the upstream to answer, counted as the gateway counts it', () => {
  const h = bothDoors(false);
  it('text/plain: not routed, a request and a parse_error under unknown', async () => {
    const gateway = await metricMoves(h.metrics, FAMILIES, () => viaGateway(h.doors.gateway.url, 'text/plain', 'ct-open'));
    const extproc = await metricMoves(h.metrics, FAMILIES, () => viaEnvoy(h.doors.envoy, 'text/plain', 'ct-open'));
    expect(gateway.answer).toMatchObject({ status: 415 });
    expect(extproc.answer).toBe('as sent');
    expect(extproc.moved).toEqual(gateway.moved);
  });
});
