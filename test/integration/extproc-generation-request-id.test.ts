// The request id on a passed-through generation route's answer. The HTTP gateway puts X-Request-Id on
// every answer, chat's and the passthrough's (the client's id, or the one it made), and ext_proc does on
// chat's (forward-headers / exchange.ts readHead); a /v1/completions or /v1/embeddings answer that went
// through Envoy had none (Envoy adds it to answers only with always_set_request_id_in_response), so a
// client or a log query joining on it found the id on one door's answers only. Both doors over one deps,
// real gRPC, the mock upstream behind the gateway; ext_proc's answer to the upstream's head is read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { startBothDoors } from './helpers/extproc-real-pipeline.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';

let mock: MockServer;
let doors: Awaited<ReturnType<typeof startBothDoors>>;

beforeAll(async () => {
  mock = await startMockServer();
  const config = testConfig({ routing: { enabled: false } }, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
  doors = await startBothDoors(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics: createMetrics({ config }), noCache: true });
}, 60_000);
afterAll(async () => {
  await doors?.close();
  await mock?.close();
});

const ROUTES: Array<[string, unknown]> = [
  ['/v1/completions', { model: 'qwen3', prompt: 'Name a river.' }],
  ['/v1/completions', { model: 'qwen3', prompt: 'Name a river.', stream: true }],
  ['/v1/embeddings', { model: 'qwen3', input: 'Name a river.' }],
];

describe('a passed-through generation answer carries the request id on both doors', () => {
  for (const [i, [path, body]] of ROUTES.entries()) {
    for (const status of [200, 500]) {
      it(`${path}${(body as { stream?: boolean }).stream ? ' (stream)' : ''}, upstream ${status}`, async () => {
        const id = `gen-rid-${i}-${status}`;
        const headers = { 'content-type': 'application/json', 'x-request-id': id, ...(status !== 200 ? { 'x-mock-status': String(status) } : {}) };
        const gw = await fetch(`${doors.gateway.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
        await gw.arrayBuffer();
        expect(gw.status).toBe(status);
        expect(gw.headers.get('x-request-id')).toBe(id);

        const s = doors.envoy.open();
        await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', ...headers }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' } });
        const b = await s.send(requestBody(JSON.stringify(body)));
        expect(b.response).toBe('request_body');
        const type = (body as { stream?: boolean }).stream && status === 200 ? 'text/event-stream' : 'application/json';
        const h = await s.send(responseHeaders({ ':status': String(status), 'content-type': type }));
        s.end();
        expect(setHeaders(h.response_headers?.response?.header_mutation)['x-request-id']).toBe(id);
      });
    }
  }
});
