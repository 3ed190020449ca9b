// Node side of the Worker's upstream-limit tests (started by global-setup.ts): an upstream that
// answers what the mock router does not, on a real socket the Worker reaches with fetch.
//   x-big: json      a 100 MB non-streamed JSON answer, written in 1 MiB chunks
//   x-big: gzip      a gzip bomb: ~200 KB on the wire, 200 MB of JSON once decoded
//   x-big: endless   an SSE stream that never ends; GET /closed/<x-big-id> says whether its socket closed
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

const HEAD = '{"id":"big","object":"chat.completion","created":1,"model":"qwen3","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"';
const TAIL = '"}}]}';

function jsonOf(bytes: number): Buffer {
  return Buffer.concat([Buffer.from(HEAD), Buffer.alloc(bytes, 'a'), Buffer.from(TAIL)]);
}

export async function startBigUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const closed = new Map<string, boolean>();
  let bomb: Buffer | undefined;
  const server = http.createServer((req, res) => {
    const idMatch = /^\/closed\/(.+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && idMatch) return void res.end(String(closed.get(idMatch[1]!) ?? 'unknown'));
    req.resume();
    req.on('end', () => {
      const kind = req.headers['x-big'];
      if (kind === 'gzip') {
        bomb ??= gzipSync(jsonOf(200 * 1024 * 1024), { level: 9 });
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
        return void res.end(bomb);
      }
      if (kind === 'endless') {
        const id = String(req.headers['x-big-id']);
        closed.set(id, false);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = 'data: {"id":"e","object":"chat.completion.chunk","created":1,"model":"qwen3","choices":[{"index":0,"delta":{"content":"tick "}}]}\n\n';
        const timer = setInterval(() => res.write(chunk), 20);
        res.on('close', () => {
          clearInterval(timer);
          closed.set(id, true);
        });
        return;
      }
      const total = 100 * 1024 * 1024;
      const piece = Buffer.alloc(1024 * 1024, 'a');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': HEAD.length + total + TAIL.length });
      res.write(HEAD);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end(TAIL);
      };
      res.on('error', () => {});
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
