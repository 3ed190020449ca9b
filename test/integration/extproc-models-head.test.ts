// HEAD /v1/models (a load balancer's health check, a client probing for the API) behind Envoy. The HTTP
// gateway answers HEAD as GET without the body (200, application/json, its content-length); ext_proc
// answered only GET from semroute's list and let HEAD through to the engine, which has no HEAD route
// there (vLLM/FastAPI: 405), so the same probe passed on one door and failed on the other. ext_proc
// now answers it as GET (an immediate response: Envoy sends a local reply to HEAD without its body).
// Real gRPC (Envoy played by a grpc-js client) and real sockets, both doors over one deps.
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

describe('HEAD /v1/models through ext_proc', () => {
  for (const path of ['/v1/models', '/v1/models/MoM']) {
    it(`${path}: answered as the gateway answers it`, async () => {
      const head = await fetch(`${gateway.url}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('application/json');
      const get = (await (await fetch(`${gateway.url}${path}`)).text()).replace(/"created":\d+/g, '"created":0');
      const s = envoy.open();
      const a = await s.send(requestHeaders({ ':method': 'HEAD', ':path': path, ':authority': 'gw' }, true));
      s.end();
      expect(a.response).toBe('immediate_response');
      expect(a.immediate_response.status.code).toBe('OK');
      expect(setHeaders(a.immediate_response.headers)['content-type']).toBe('application/json');
      // The body GET gets: Envoy's local reply to HEAD keeps its length and drops it.
      expect(Buffer.from(a.immediate_response.body).toString().replace(/"created":\d+/g, '"created":0')).toBe(get);
    });
  }
});
