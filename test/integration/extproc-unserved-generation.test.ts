// A model no vllm_endpoints entry serves, on the passed-through generation routes ext_proc reads
// (/v1/completions, /v1/responses, /v1/messages): the gateway answers 404 model_not_found without asking
// any upstream (passthrough-forward.ts); ext_proc must answer the same as an immediate response (status,
// x-request-id, content type, body), counted as the gateway counts it, rather than let Envoy's route
// send it to an engine that lacks the model. A model an endpoint lists, or no model at all, goes on.
// Real gRPC (Envoy played by a grpc-js client), the HTTP gateway on a real socket, one deps for both.
import { describe, expect, it } from 'vitest';
import type { Registry } from '../../src/observability/registry.ts';
import type { Served } from '../../runtimes/node/serve.ts';
import { useBothDoors } from './helpers/extproc-real-pipeline.ts';
import { testConfig, type LogCapture } from './gateway-harness.ts';
import { type EnvoyClient, requestBody, requestHeaders, setHeaders, type Msg, ownHeaders } from './helpers/envoy-client.ts';

let gateway: Served;
let envoy: EnvoyClient;
let metrics: Registry;
let logs: LogCapture;

useBothDoors(
  () => testConfig({ routing: { enabled: false } }, [{ name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1, models: ['qwen3'] }]),
  (doors) => ({ gateway, envoy, metrics, logs } = doors),
);

const errors = (model: string, reason: string) => metrics.value('llm_request_errors_total', { model, reason }) ?? 0;

async function viaEnvoy(path: string, body: string, id: string): Promise<Msg> {
  const s = envoy.open();
  await s.send(requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', 'content-type': 'application/json', 'x-request-id': id }));
  const a = await s.send(requestBody(body));
  s.end();
  return a;
}

const BODIES: Record<string, (model?: string) => Record<string, unknown>> = {
  '/v1/completions': (model) => ({ model, prompt: 'hi' }),
  '/v1/responses': (model) => ({ model, input: 'hi' }),
  '/v1/messages': (model) => ({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
};

describe('ext_proc: a model no endpoint serves, on the generation routes, is answered as the gateway answers it', () => {
  it.each(Object.keys(BODIES))('%s: 404 model_not_found, same answer, counted', async (path) => {
    const body = JSON.stringify(BODIES[path]!('m-other'));
    const id = `unserved-${path}`;
    const n0 = errors('other', 'model_not_found');
    const res = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body });
    const http = { status: res.status, headers: ownHeaders(Object.fromEntries(res.headers)), body: await res.text() };
    expect(http.status).toBe(404);
    expect(JSON.parse(http.body).error.code).toBe('model_not_found');
    expect(errors('other', 'model_not_found')).toBe(n0 + 1);

    const a = await viaEnvoy(path, body, id);
    expect(a.response, 'an immediate response, not the request sent on').toBe('immediate_response');
    const ir = a.immediate_response;
    expect(ir.status.code).toBe('NotFound');
    expect(ownHeaders(setHeaders(ir.headers))).toEqual(http.headers);
    expect(Buffer.from(ir.body).toString()).toBe(http.body);
    expect(errors('other', 'model_not_found')).toBe(n0 + 2);
    const line = logs.lines.find((l) => l.obj.request_id === id && l.obj.status === 404 && l.msg === 'request' && l.obj.error_reason === 'model_not_found');
    expect(line, 'the ext_proc request line').toBeDefined();
    expect(line!.obj.requested_model).toBe('other');
  });

  it.each([
    ['a model the endpoint lists', 'qwen3'],
    ['no model in the body', undefined],
  ])('%s goes on to Envoy', async (_name, model) => {
    for (const path of Object.keys(BODIES)) {
      const a = await viaEnvoy(path, JSON.stringify(BODIES[path]!(model)), `served-${path}-${model}`);
      expect(a.response, path).toBe('request_body');
    }
  });
});
