// Serves a fetch-style app (the Hono gateway, the mock) on node:http through @hono/node-server.
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { listen } from './listen.ts';

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
  const { port, close } = await listen(server, opts.port ?? 0, host);
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { port, url: `http://${shown}:${port}`, server, close };
}
