// Node side (a globalSetup of vitest.workers.config.mts): an upstream that closes each kept-alive
// connection KEEP_ALIVE_MS after its last answer, for upstream-keepalive-race.test.ts, which sends
// requests at the edge of that close. It counts the requests it read (their head parsed) per x-ka-id,
// so the test can tell a request the upstream never read from one it read and dropped.
//   GET /arrivals   the counts so far, as a JSON object ('(connections)': connections taken)
// And raw upstreams that force the race (keepAliveRace[mode]), each answering a chat completion (SSE
// when the body asks for a stream) and counting requests by the first `kid-...` token in them:
//   unread     answers the first request on a connection; a request arriving on a connection it has
//              answered on finds it reset with the request unread (the kernel's RST of a close with
//              unread bytes: the idle close and the reuse crossing, every time)
//   read-late  reads (counts) the second request on a connection, then closes it unanswered 1.5 s
//              later: a crash after reading it, later than a crossing close comes
//   plain      answers every request (a second endpoint)
//   bodiless   as unread, but its answers have no body: 204, or 304 to a request naming `nc-304`, or a
//              head alone to a HEAD (upstream-keepalive-bodiless.test.ts)
//   read-soon  as read-late, but closes 200 ms after reading: a drop within STALE_WINDOW_MS of the send
//              (upstream-keepalive-drop.test.ts)
//   learn      answers the first request on a connection; on one it has answered on, resets a request
//              that carries `x-reset` as it arrives (unread: the idle close crossing the reuse), and
//              reads any other and closes at once, unanswered (a drop) (upstream-keepalive-learn.test.ts)
//   unframed   answers with a body that ends at the close (no Content-Length, not chunked, no
//              Connection: close) and closes; reads a request marked x-drop and closes it unanswered
//              (upstream-keepalive-unframed.test.ts)
// GET /arrivals on each: its counts ('(connections)', '(closed unread)' too).
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    keepAliveUrl: string;
    keepAliveRace: Record<RaceMode, string>;
  }
}

export const KEEP_ALIVE_MS = 15;

export const RACE_MODES = ['unread', 'read-late', 'plain', 'bodiless', 'read-soon', 'learn', 'unframed'] as const;
export type RaceMode = (typeof RACE_MODES)[number];

const completion = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
const sse = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;
const answer = (type: string, body: string) => `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** An answer with no body (RFC 9110 6.4.1): to a HEAD, a 304, a 204; each keeps the connection open. */
function bodiless(head: string): string {
  if (/^HEAD /.test(head)) return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${completion.length}\r\n\r\n`;
  if (/\bnc-304\b/.test(head)) return 'HTTP/1.1 304 Not Modified\r\netag: "c1"\r\n\r\n';
  return 'HTTP/1.1 204 No Content\r\n\r\n';
}

/** The forced race: see the head of this file. */
function raceServer(mode: RaceMode): net.Server & { destroyAll(): void } {
  const arrivals: Record<string, number> = {};
  const bump = (k: string) => (arrivals[k] = (arrivals[k] ?? 0) + 1);
  const open = new Set<Socket>();
  const server = net.createServer((sock) => {
    bump('(connections)');
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    let answered = 0;
    sock.on('data', (d) => {
      const told = mode === 'learn' && /\r\nx-reset:/i.test(d.toString('latin1', 0, Math.min(d.length, 4096)));
      if (buf.length === 0 && answered > 0 && (mode === 'unread' || mode === 'bodiless' || told)) {
        bump('(closed unread)');
        return void sock.resetAndDestroy();
      }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
      buf = buf.subarray(end + 4 + len);
      if (/^GET \/arrivals /.test(head)) return void sock.write(answer('application/json', JSON.stringify(arrivals)));
      const id = /\bkid-[\w-]+/.exec(head + body)?.[0];
      if (id) bump(id);
      if (answered > 0 && mode === 'learn') return void sock.destroy();
      if (mode === 'unframed') return void (/\r\nx-drop:/i.test(head) ? sock.destroy() : sock.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n${completion}`));
      if (answered > 0 && (mode === 'read-late' || mode === 'read-soon')) return void setTimeout(() => sock.destroy(), mode === 'read-late' ? 1500 : 200);
      answered++;
      if (mode === 'bodiless') return void sock.write(bodiless(head));
      sock.write(/"stream" *: *true/.test(body) ? answer('text/event-stream', sse) : answer('application/json', completion));
    });
  });
  return Object.assign(server, { destroyAll: () => open.forEach((s) => s.destroy()) });
}

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
  const races = RACE_MODES.map(raceServer);
  const urls: Partial<Record<RaceMode, string>> = {};
  for (const [i, race] of races.entries()) {
    await new Promise<void>((r) => race.listen(0, '127.0.0.1', r));
    urls[RACE_MODES[i]!] = `http://127.0.0.1:${(race.address() as AddressInfo).port}`;
  }
  project.provide('keepAliveRace', urls as Record<RaceMode, string>);
  return async () => {
    for (const race of races) {
      race.destroyAll();
      await new Promise((r) => race.close(r));
    }
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
}
