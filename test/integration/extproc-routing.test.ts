// ext_proc on the real pipeline, the real packs and real onnxruntime-node, side by side with the HTTP
// gateway built from the SAME deps: a request sent through Envoy's protocol must come out with the
// body and model the gateway forwards to the (mock) Production Stack router for the same request.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { startBothDoors } from './helpers/extproc-real-pipeline.ts';
import { captureLogger, realClassifiers, SHARED, testConfig } from './gateway-harness.ts';
import { type EnvoyClient, requestBody, requestHeaders, responseHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json' };
const PROMPTS = [
  'Solve the quadratic equation x^2 + 5x + 6 = 0 and explain the steps.',
  'Write a Python function to implement a linked list with insert and delete operations.',
  'What are the key principles of supply chain management in modern business?',
  'Describe the main causes and key events of World War I.',
];
const JAILBREAK = (JSON.parse(readFileSync(`${SHARED}vsr-testdata/jailbreak_detection_cases.json`, 'utf8')) as Array<{ question: string }>)[0]!.question;

let mock: MockServer;
let gateway: Served;
let envoy: EnvoyClient;
let close: () => Promise<void>;

beforeAll(async () => {
  const classifiers = await realClassifiers();
  expect(classifiers.sequence('domain'), 'the bundled domain pack loads').toBeDefined();
  mock = await startMockServer();
  const config = testConfig(
    { prompt_guard: { enabled: true, threshold: 0.7 }, server: { max_body_bytes: 64 * 1024 } },
    [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }],
  );
  const doors = await startBothDoors(config, { classifiers, logger: captureLogger(), metrics: createMetrics({ config }), noCache: true });
  ({ gateway, envoy } = doors);
  close = async () => {
    await doors.close();
    await mock.close();
  };
});
afterAll(() => close?.());

async function viaEnvoy(body: string, headers: Record<string, string> = {}): Promise<{ headers: Msg; body: Msg; stream: ReturnType<EnvoyClient['open']> }> {
  const s = envoy.open();
  const h = await s.send(requestHeaders({ ...CHAT, ...headers }));
  const b = await s.send(requestBody(body));
  return { headers: h, body: b, stream: s };
}

async function viaGateway(body: string, headers: Record<string, string> = {}) {
  const before = mock.mock.requests.length;
  const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { res, text, forwarded: mock.mock.requests.slice(before).at(-1) };
}

describe('ext_proc runs the same pipeline as the HTTP gateway (real packs)', () => {
  it.each(PROMPTS)('"%s": same model and same rewritten body through both doors', async (prompt) => {
    const body = JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: prompt }] });
    const http = await viaGateway(body, { 'x-request-id': 'same-id' });
    expect(http.res.status).toBe(200);
    const { body: b, stream } = await viaEnvoy(body, { 'x-request-id': 'same-id' });
    expect(b.response).toBe('request_body');
    const common = b.request_body.response;
    const set = setHeaders(common.header_mutation);
    const rewritten = JSON.parse(Buffer.from(common.body_mutation.body).toString('utf8'));

    expect(rewritten).toEqual(http.forwarded!.body);
    expect(set['x-selected-model']).toBe(http.forwarded!.model);
    expect(set['x-selected-model']).not.toBe('MoM');
    expect(set['x-vsr-selected-model']).toBe(http.res.headers.get('x-vsr-selected-model'));
    expect(set['x-vsr-selected-category']).toBe(http.res.headers.get('x-vsr-selected-category') ?? undefined);
    expect(set['content-length']).toBe(String(Buffer.from(common.body_mutation.body).length));
    expect(set['x-gateway-destination-endpoint']).toBe(`127.0.0.1:${mock.port}`);
    expect(set['x-request-id']).toBe('same-id');
    // testConfig keeps the top-level clear_route_cache default (false).
    expect(common.clear_route_cache).toBe(false);

    const r = await stream.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    expect(setHeaders(r.response_headers.response.header_mutation)['x-vsr-selected-model']).toBe(set['x-selected-model']);
    stream.end();
  });

  it('an explicit model passes through with its name, as on the gateway', async () => {
    const body = JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: PROMPTS[0] }] });
    const { body: b, stream } = await viaEnvoy(body);
    const rewritten = JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString());
    expect(rewritten.model).toBe('qwen3');
    expect(rewritten.stream).toBe(true);
    // The answer streams: semroute tells Envoy it does not want the SSE body.
    const r = await stream.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(r.mode_override.response_body_mode).toBe('NONE');
    stream.end();
  });

  it('a jailbreak prompt is answered by Envoy with the guard immediate response, as the gateway answers it', async () => {
    const body = JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: JAILBREAK }] });
    const http = await viaGateway(body);
    expect(http.forwarded).toBeUndefined();
    const { body: b, stream } = await viaEnvoy(body);
    expect(b.response).toBe('immediate_response');
    const ir = b.immediate_response;
    // The reference answers blocks with HTTP 200 and an OpenAI-shaped body; both doors do.
    expect(http.res.status).toBe(200);
    expect(ir.status.code).toBe('OK');
    expect(setHeaders(ir.headers)['x-vsr-jailbreak-blocked']).toBe('true');
    expect(http.res.headers.get('x-vsr-jailbreak-blocked')).toBe('true');
    const json = JSON.parse(Buffer.from(ir.body).toString());
    expect(json.choices[0].finish_reason).toBe('content_filter');
    expect(json.choices[0].finish_reason).toBe(JSON.parse(http.text).choices[0].finish_reason);
    stream.end();
  });

  it('malformed and non-chat bodies get the gateway 400 while the guard is on (passed on, the engine could read what the guard did not)', async () => {
    for (const bad of ['{"model": "MoM", "messages": [', '{"model":"MoM"}', '\u00ff\u00fe', '[1,2,3]']) {
      const http = await viaGateway(bad);
      expect(http.res.status).toBe(400);
      const { body: b, stream } = await viaEnvoy(bad);
      expect(b.response).toBe('immediate_response');
      expect(b.immediate_response.status.code).toBe('BadRequest');
      expect(JSON.parse(Buffer.from(b.immediate_response.body).toString()).error.code).toBe(JSON.parse(http.text).error.code);
      stream.end();
    }
  });

  it('a body over server.max_body_bytes is refused with 413, not passed on unguarded', async () => {
    const big = JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] });
    const http = await viaGateway(big);
    expect(http.res.status).toBe(413);
    const { body: b, stream } = await viaEnvoy(big);
    expect(b.immediate_response.status.code).toBe('PayloadTooLarge');
    expect(JSON.parse(Buffer.from(b.immediate_response.body).toString()).error.type).toBe('invalid_request_error');
    stream.end();
  });

  it('GET /v1/models through Envoy lists what the gateway lists', async () => {
    const s = envoy.open();
    const h = await s.send(requestHeaders({ ':method': 'GET', ':path': '/v1/models' }, true));
    s.end();
    const viaExt = JSON.parse(Buffer.from(h.immediate_response.body).toString());
    const viaHttp = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(viaExt.data.map((m: { id: string }) => m.id)).toEqual(viaHttp.data.map((m) => m.id));
    expect(viaExt.data[0].id).toBe('MoM');
  });
});
