// Answer shapes on the Node upstream client (runtimes/node/upstream-exchange.ts, undici's dispatch
// handler API) over real sockets against a node:http upstream: 1xx before the answer, trailers, answers
// without a body, HEAD, repeated headers, a reset mid-body; each connection serves the next answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createNodeUpstreamClient } from '../../runtimes/node/upstream-client.ts';
import type { UpstreamClient } from '../../src/upstream/types.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler;
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const send = (c: UpstreamClient, extra: { timeoutMs?: number } = {}) =>
  c.send({ baseUrl: base, method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: extra.timeoutMs });

describe('answer shapes', () => {
  it('103 Early Hints before the answer: the final status, headers and body; none of the 103 headers', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      handler = (_req, res) => {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' });
        res.writeHead(200, { 'content-type': 'application/json', 'x-final': '1' });
        res.end('{"ok":1}');
      };
      const res = await send(c);
      expect(res.status).toBe(200);
      expect(res.headers['x-final']).toBe('1');
      expect(res.headers.link).toBeUndefined();
      expect(await res.text!()).toBe('{"ok":1}');
    } finally {
      await c.close!();
    }
  });

  it('chunked with trailers: the whole body, and the connection serves the next answer', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', trailer: 'x-checksum' });
        res.write('data: 1\n\n');
        res.addTrailers({ 'x-checksum': 'abc' });
        res.end('data: [DONE]\n\n');
      };
      for (let i = 0; i < 2; i++) {
        const r = (await send(c)).reader!();
        let text = '';
        for (let x = await r.read(); !x.done; x = await r.read()) text += Buffer.from(x.value!).toString();
        expect(text).toBe('data: 1\n\ndata: [DONE]\n\n');
      }
    } finally {
      await c.close!();
    }
  });

  it('a 204 and a 304 without a body, then a 200 on the same connection', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      const statuses = [204, 304, 200];
      handler = (_req, res) => {
        const s = statuses.shift()!;
        res.writeHead(s, { 'x-s': String(s) });
        res.end(s === 200 ? 'body' : undefined);
      };
      for (const want of [204, 304, 200]) {
        const res = await send(c, { timeoutMs: 2000 });
        expect(res.status).toBe(want);
        expect(await res.text!()).toBe(want === 200 ? 'body' : '');
      }
    } finally {
      await c.close!();
    }
  });

  it('HEAD: the head, an empty body, and the connection serves the next request', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      handler = (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '8' });
        res.end(req.method === 'HEAD' ? undefined : '{"ok":1}');
      };
      const h = await c.send({ baseUrl: base, method: 'HEAD', path: '/version', headers: {} });
      expect(h.status).toBe(200);
      expect(h.headers['content-length']).toBe('8');
      expect(await h.text!()).toBe('');
      const g = await send(c, { timeoutMs: 2000 });
      expect(await g.text!()).toBe('{"ok":1}');
    } finally {
      await c.close!();
    }
  });

  it('repeated headers: joined with ", ", in order; set-cookie values kept apart (a newline: headers.ts SET_COOKIE_SEPARATOR)', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      handler = (_req, res) => {
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2']);
        res.setHeader('x-multi', ['one', 'two']);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      };
      const res = await send(c);
      expect(res.headers['set-cookie']).toBe('a=1; Path=/\nb=2');
      expect(res.headers['x-multi']).toBe('one, two');
      await res.text!();
    } finally {
      await c.close!();
    }
  });

  it('a connection reset mid-body fails the reader and text(), not a clean end', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        setTimeout(() => res.socket?.resetAndDestroy(), 50);
      };
      const r = (await send(c)).reader!();
      await expect((async () => {
        for (let x = await r.read(); !x.done; x = await r.read());
      })()).rejects.toThrow();
      await expect((await send(c)).text!()).rejects.toThrow();
    } finally {
      await c.close!();
    }
  });
});
