// The floor of a Node proxy for a streamed answer (bench/sse-events.ts `raw`): node:http server,
// undici.request to the upstream, the answer's chunks written to the client as they come (pipe).
// No framework, no parsing, no checks: what one read and one write per event cost on this machine.
import http from 'node:http';
import { Agent } from 'undici';
import { reportUsage } from './child-ipc.ts';

const origin = process.argv[2];
const agent = new Agent({ connections: 256 });
const server = http.createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', async () => {
    try {
      const up = await agent.request({ origin, method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: Buffer.concat(parts) });
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
      up.body.pipe(res);
    } catch {
      res.writeHead(502).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as { port: number }).port }));
reportUsage();
process.on('SIGINT', () => process.exit(0));
