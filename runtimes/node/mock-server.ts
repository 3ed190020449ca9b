// The mock Production Stack router (src/mock) on a real socket. Adds the one switch a fetch
// handler cannot do: `x-mock-drop: connect` closes the connection before any byte is written.
import http from 'node:http';
import { listen } from './listen.ts';
import { getRequestListener } from '@hono/node-server';
import { createMockRouter, type MockOptions, type MockRouter } from '../../src/mock/router.ts';

export interface MockServer {
  port: number;
  url: string;
  mock: MockRouter;
  close(): Promise<void>;
}

export async function startMockServer(opts: { host?: string; port?: number; options?: MockOptions } = {}): Promise<MockServer> {
  const mock = createMockRouter(opts.options);
  const listener = getRequestListener(mock.fetch);
  const server = http.createServer((req, res) => {
    if (req.headers['x-mock-drop'] === 'connect') {
      req.socket.destroy();
      return;
    }
    void listener(req, res);
  });
  server.requestTimeout = 0;
  const host = opts.host ?? '127.0.0.1';
  const { port, close } = await listen(server, opts.port ?? 0, host);
  return { port, url: `http://${host}:${port}`, mock, close };
}
