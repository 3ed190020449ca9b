// GET /v1/models/{id} behind Envoy: ext_proc answers an id of semroute's list as the HTTP gateway does,
// rather than letting it through to the engine, which knows no auto name; other ids go on to the
// engine (the reference's ExtProc lets every /v1/models/{id} through). Real gRPC
// (Envoy played by a grpc-js client) and real sockets to the gateway, both doors over the same deps.
import { describe, expect, it } from 'vitest';
import type { Served } from '../../runtimes/node/serve.ts';
import { useBothDoors } from './helpers/extproc-real-pipeline.ts';
import { testConfig } from './gateway-harness.ts';
import { type EnvoyClient, requestHeaders, setHeaders } from './helpers/envoy-client.ts';

let gateway: Served;
let envoy: EnvoyClient;

// Port 9: nothing listens, so an answer can only be the door's own.
useBothDoors(
  () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1 }]),
  (doors) => ({ gateway, envoy } = doors),
);

async function viaEnvoy(path: string) {
  const s = envoy.open();
  const a = await s.send(requestHeaders({ ':method': 'GET', ':path': path, ':authority': 'gw' }, true));
  s.end();
  return a;
}

describe('GET /v1/models/{id} through ext_proc', () => {
  it.each([
    ['an auto name', '/v1/models/MoM', 200],
    ['an id with an escaped slash', '/v1/models/vllm-sr%2Fauto', 200],
    ['an id with a bare slash', '/v1/models/vllm-sr/auto', 200],
    ['a configured model', '/v1/models/qwen3', 200],
  ])('%s: an immediate response equal to the gateway\'s answer', async (_name, path, status) => {
    // Before: route 'other', passed through to the engine (which answers 404 for MoM).
    const http = await fetch(`${gateway.url}${path}`);
    expect(http.status).toBe(status);
    const httpBody = (await http.text()).replace(/"created":\d+/, '"created":0');
    const a = await viaEnvoy(path);
    expect(a.response).toBe('immediate_response');
    const ir = a.immediate_response;
    expect(ir.status.code).toBe(status === 200 ? 'OK' : 'NotFound');
    expect(setHeaders(ir.headers)['content-type']).toBe('application/json');
    expect(Buffer.from(ir.body).toString().replace(/"created":\d+/, '"created":0')).toBe(httpBody);
  });

  it('an id semroute does not list goes on to the engine (it may serve models the config does not name)', async () => {
    // The gateway asks the engine too (models-retrieve-upstream); here none listens: 502.
    expect((await fetch(`${gateway.url}/v1/models/some-adapter`)).status).toBe(502);
    const a = await viaEnvoy('/v1/models/some-adapter');
    expect(a.response).toBe('request_headers');
  });

  it('the list itself and a path that only starts like it are unchanged', async () => {
    expect((await viaEnvoy('/v1/models?limit=5')).immediate_response.body).toBeDefined();
    expect((await viaEnvoy('/v1/modelsX')).response).not.toBe('immediate_response');
  });
});
