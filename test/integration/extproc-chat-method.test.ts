// Another method than POST on the chat route. The HTTP gateway answers it itself: 405
// method_not_allowed, OpenAI-shaped, with Allow and the request id. Behind Envoy ext_proc let it go on
// to the engine, whose 405 is FastAPI's {"detail": "Method Not Allowed"} (no error.message for an SDK).
// Now ext_proc answers as the gateway does (an immediate response). Real gRPC and real sockets, both
// doors over one deps; the upstream is a raw node:http server that says FastAPI's 405 to anything it
// gets, so a request that reaches it shows.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';
import { requestHeaders, setHeaders } from './helpers/envoy-client.ts';
import { startBothDoors } from './helpers/extproc-real-pipeline.ts';

let upstream: http.Server;
let reached = 0;
let doors: Awaited<ReturnType<typeof startBothDoors>>;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    reached++;
    req.resume();
    res.writeHead(405, { 'content-type': 'application/json', allow: 'POST' }).end('{"detail":"Method Not Allowed"}');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const config = testConfig({ routing: { enabled: false } }, [{ name: 'production-stack', address: '127.0.0.1', port: (upstream.address() as AddressInfo).port, weight: 1 }]);
  doors = await startBothDoors(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics: createMetrics({ config }), noCache: true });
}, 60_000);
afterAll(async () => {
  await doors?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

interface Seen {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

const pick = (h: Record<string, string>): Seen['headers'] => ({ allow: h.allow, 'content-type': h['content-type'], 'x-request-id': h['x-request-id'] });

async function viaGateway(method: string, path: string): Promise<Seen> {
  const r = await fetch(`${doors.gateway.url}${path}`, { method, headers: { 'x-request-id': 'method-1' } });
  return { status: r.status, headers: pick(Object.fromEntries(r.headers)), body: await r.text() };
}

async function viaEnvoy(method: string, path: string, more: Record<string, string> = {}): Promise<Seen & { kind: string }> {
  const s = doors.envoy.open();
  const a = await s.send(requestHeaders({ ':method': method, ':path': path, ':authority': 'semroute', 'x-request-id': 'method-1', ...more }, true));
  s.end();
  const ir = a.immediate_response;
  if (!ir) return { kind: a.response, status: 0, headers: {}, body: '' };
  // Envoy drops a local reply's body for HEAD, as node:http does for the gateway's.
  const body = method === 'HEAD' ? '' : Buffer.from(ir.body ?? []).toString();
  // (The enum's name as grpc-js decodes it: envoy.type.v3.StatusCode MethodNotAllowed is 405.)
  const status = ({ MethodNotAllowed: 405, NoContent: 204 } as Record<string, number>)[ir.status.code] ?? ir.status.code;
  return { kind: a.response, status, headers: pick(setHeaders(ir.headers)), body };
}

describe('another method on the chat route is answered as the gateway answers it', () => {
  for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH']) {
    it(`${method} /v1/chat/completions: the gateway's 405, not the engine's`, async () => {
      const before = reached;
      const gateway = await viaGateway(method, '/v1/chat/completions');
      expect(gateway.status).toBe(405);
      expect(gateway.headers.allow).toBe('POST, OPTIONS');
      if (method !== 'HEAD') expect(JSON.parse(gateway.body)).toMatchObject({ error: { code: 'method_not_allowed', type: 'invalid_request_error' } });
      const { kind, ...envoy } = await viaEnvoy(method, '/v1/chat/completions');
      expect(kind).toBe('immediate_response');
      expect(envoy).toEqual(gateway);
      expect(reached, 'neither door asked the engine').toBe(before);
    });
  }

  it('the query is no part of the route (as on the gateway); the engine\'s spellings of the path are the route too', async () => {
    const gateway = await viaGateway('GET', '/v1/chat/completions?stream=true');
    const { kind, ...envoy } = await viaEnvoy('GET', '/v1/chat/completions?stream=true');
    expect(kind).toBe('immediate_response');
    expect(envoy).toEqual(gateway);
    // The engine routes these as the chat path (routes.ts enginePath): its 405 would answer them.
    for (const path of ['/v1/chat/completions/', '/v1//chat/%63ompletions']) {
      const e = await viaEnvoy('GET', path);
      expect(e.status, path).toBe(405);
      expect(JSON.parse(e.body).error.message).toBe('Method GET is not allowed on /v1/chat/completions.');
    }
  });

  it('OPTIONS (a CORS preflight) and POST go on, as on the gateway', async () => {
    expect((await viaEnvoy('OPTIONS', '/v1/chat/completions')).kind).toBe('request_headers');
    expect((await viaEnvoy('POST', '/v1/chat/completions')).kind).not.toBe('immediate_response');
    expect((await viaEnvoy('GET', '/v1/completions')).kind).toBe('request_headers');
  });
});

describe('another method on the models routes is answered as the gateway answers it', () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    for (const path of ['/v1/models', '/v1/models/qwen3', '/v1/models/not-listed']) {
      it(`${method} ${path}: the gateway's 405 (Allow: GET, HEAD, OPTIONS), not the engine's`, async () => {
        const before = reached;
        const gateway = await viaGateway(method, path);
        expect(gateway.status).toBe(405);
        expect(gateway.headers.allow).toBe('GET, HEAD, OPTIONS');
        const { kind, ...envoy } = await viaEnvoy(method, path);
        expect(kind).toBe('immediate_response');
        expect(envoy).toEqual(gateway);
        expect(reached, 'neither door asked the engine').toBe(before);
      });
    }
  }

  // The 405's Allow names OPTIONS, and the gateway answers a plain one (which methods?) 204 with Allow:
  // so does ext_proc, where it went on to the engine (FastAPI: 405 {"detail": ...}, Allow: GET).
  for (const path of ['/v1/models', '/v1/models/qwen3', '/v1/models/not-listed']) {
    it(`OPTIONS ${path}: the gateway's 204 with Allow, not the engine's 405`, async () => {
      const before = reached;
      const gateway = await viaGateway('OPTIONS', path);
      expect(gateway).toEqual({ status: 204, headers: { allow: 'GET, HEAD, OPTIONS', 'content-type': undefined, 'x-request-id': 'method-1' }, body: '' });
      const { kind, ...envoy } = await viaEnvoy('OPTIONS', path);
      expect(kind).toBe('immediate_response');
      expect(envoy).toEqual(gateway);
      expect(reached, 'neither door asked the engine').toBe(before);
    });
  }

  it('a CORS preflight goes on to the engine, whose CORS policy answers it (server.cors on the gateway)', async () => {
    const preflight = { origin: 'https://app.example', 'access-control-request-method': 'GET' };
    expect((await viaEnvoy('OPTIONS', '/v1/models', preflight)).kind).toBe('request_headers');
  });
});
