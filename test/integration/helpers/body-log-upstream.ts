// For the guard tests on the passed-through routes: an upstream on a real socket that answers every
// request 200 with one fixed JSON body and logs what reached it, byte for byte, so a test can say that
// a refused body reached nothing and a clean one arrived as sent. withPassthroughPaths lists routes
// the bundled config does not pass through (/invocations, /pooling) for the gateway in front of it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../../src/config/schema.ts';
import { testConfig } from '../gateway-harness.ts';

export interface BodyLogUpstream {
  /** `${path} ${body}` of each request in arrival order, the body read as latin1 (bytes kept); a test may reset it. */
  seen: string[];
  /** This upstream as the gateway's only endpoint. */
  endpoints: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Listens on a free local port; every request is answered 200 `answer` (application/json) once read. */
export async function startBodyLogUpstream(answer: string): Promise<BodyLogUpstream> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      up.seen.push(`${req.url} ${Buffer.concat(chunks).toString('latin1')}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const up: BodyLogUpstream = {
    seen: [],
    endpoints: [{ name: 'production-stack', address: '127.0.0.1', port: (server.address() as AddressInfo).port, weight: 1 }],
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return up;
}

/** testConfig(overrides, endpoints) with `paths` added to the bundled server.passthrough_paths. */
export function withPassthroughPaths(paths: string[], overrides: Record<string, unknown>, endpoints: Array<Record<string, unknown>>): Config {
  const c = testConfig(overrides, endpoints);
  return testConfig({ ...overrides, server: { ...c.server, passthrough_paths: [...c.server.passthrough_paths, ...paths] } }, endpoints);
}
