// Serves a fetch-style app (the Hono gateway, the mock) on node:http through @hono/node-server.
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  port: number;
  url: string;
  server: Server;
  close(): Promise<void>;
}

type FetchFn = (req: Request) => Response | Promise<Response>;

export async function serveFetch(fetch: FetchFn, opts: { host?: string; port?: number } = {}): Promise<Served> {
  const host = opts.host ?? '127.0.0.1';
  const server = createAdaptorServer({ fetch, hostname: host }) as Server;
  // Long-lived SSE answers must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    port,
    url: `http://${shown}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
