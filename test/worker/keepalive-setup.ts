// Node side (a globalSetup of vitest.workers.config.mts): an upstream that closes each kept-alive
// connection KEEP_ALIVE_MS after its last answer, for upstream-keepalive-race.test.ts, which sends
// requests at the edge of that close. It counts the requests it read (their head parsed) per x-ka-id,
// so the test can tell a request the upstream never read from one it read and dropped.
//   GET /arrivals   the counts so far, as a JSON object ('(connections)': connections taken)
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    keepAliveUrl: string;
  }
}

export const KEEP_ALIVE_MS = 15;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const arrivals: Record<string, number> = {};
  const idle = new WeakMap<Socket, ReturnType<typeof setTimeout>>();
  const server = http.createServer((req, res) => {
    clearTimeout(idle.get(req.socket));
    if (req.method === 'GET' && req.url === '/arrivals') return void res.end(JSON.stringify(arrivals));
    const id = String(req.headers['x-ka-id'] ?? '');
    if (id) arrivals[id] = (arrivals[id] ?? 0) + 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      // An idle close as uvicorn's (timeout_keep_alive) or Node's: the socket closed, no Connection: close said.
      res.on('finish', () => idle.set(req.socket, setTimeout(() => req.socket.destroy(), KEEP_ALIVE_MS)));
    });
  });
  server.on('connection', () => (arrivals['(connections)'] = (arrivals['(connections)'] ?? 0) + 1));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  project.provide('keepAliveUrl', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
}
