// A semantic-cache hit answered by ext_proc (an immediate_response) must be what the HTTP gateway
// answers for the same hit: status, x-request-id / x-vsr-* headers, content type, body (ids and times
// aside), for a JSON and for a streaming client. Both doors share one deps (one cache); the answer is
// stored by a first request through the gateway to the mock Production Stack router. Real sockets and
// gRPC, real packs (the embedding pack keys the cache).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { startBothDoors } from './helpers/extproc-real-pipeline.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { until } from './helpers/until.ts';
import { type EnvoyClient, requestBody, requestHeaders, setHeaders } from './helpers/envoy-client.ts';

let mock: MockServer;
let gateway: Served;
let envoy: EnvoyClient;
let close: () => Promise<void>;

beforeAll(async () => {
  if (!packsAvailable()) return;
  mock = await startMockServer();
  const config = testConfig({ semantic_cache: { enabled: true, backend_type: 'memory' } }, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
  const doors = await startBothDoors(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  ({ gateway, envoy } = doors);
  close = async () => {
    await doors.close();
    await mock.close();
  };
}, 120_000);
afterAll(() => close?.());

const own = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k === 'x-request-id' || k === 'content-type' || (k.startsWith('x-vsr-') && k !== 'x-vsr-cache-similarity')));
const stable = (b: string) => b.replace(/"id":"[^"]*"/g, '"id":"X"').replace(/"created":\d+/g, '"created":0');

describe.skipIf(!packsAvailable())('a cache hit through ext_proc equals the gateway\'s', () => {
  it.each([false, true])('stream: %s', async (stream) => {
    const question = `What is the boiling point of water at sea level, in stream=${stream} form?`;
    const body = JSON.stringify({ model: 'qwen3', stream, messages: [{ role: 'user', content: question }] });
    const post = () => fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'hit-1' }, body });
    const stored = async () => Number(/^llm_cache_entries\{[^}]*\} (\S+)$/m.exec(await (await fetch(`${gateway.url}/metrics`)).text())?.[1] ?? 0);
    const before = await stored();
    const first = await post();
    await first.text();
    // Stored after the answer is sent (once the store tap's PII scan is done): polled, not a fixed
    // 200 ms. (The stream case's question is close enough to the JSON one's to be a hit already.)
    if (first.headers.get('x-vsr-cache-hit') !== 'true') await until(async () => (await stored()) > before, 10_000);
    const res = await post();
    const http = { status: res.status, headers: own(Object.fromEntries(res.headers)), body: stable(await res.text()) };
    expect(http.headers['x-vsr-cache-hit'], 'the gateway answered from the cache').toBe('true');

    const s = envoy.open();
    await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'hit-1' }));
    const b = await s.send(requestBody(body));
    s.end();
    expect(b.response).toBe('immediate_response');
    const ir = b.immediate_response;
    expect(ir.status.code).toBe('OK');
    expect(own(setHeaders(ir.headers))).toEqual(http.headers);
    expect(stable(Buffer.from(ir.body).toString())).toBe(http.body);
  });
});
