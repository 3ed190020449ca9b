// An upstream on a raw TCP socket that writes an SSE answer as exact bytes, in the pieces a test
// chooses (each its own write, a few ms apart, so each tends to be its own read on the other side),
// and ends it the way the test says: a clean chunked end, a socket closed before the chunked end
// (FIN or RST), or a close-delimited body (no chunked framing: the close is the body's end). For
// what node:http's ServerResponse cannot be made to send.
import net from 'node:net';

export type Ending = 'clean' | 'fin' | 'rst' | 'close-delimited' | 'hang';

export interface RawScript {
  pieces: Array<string | Uint8Array>;
  end?: Ending;
  /** ms between writes (default 3). */
  gapMs?: number;
  /** Status line and headers; default 200 text/event-stream. */
  head?: string;
}

export interface RawUpstream {
  port: number;
  /** The script for every request from now on (may read the request body). */
  script: (body: Record<string, any>) => RawScript;
  bodies: Array<Record<string, any>>;
  /** Connections accepted so far, and open now. */
  accepted: number;
  open(): number;
  /** The socket the last answer went out on. */
  lastSocket?: net.Socket;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRawSseUpstream(): Promise<RawUpstream> {
  const sockets = new Set<net.Socket>();
  const up: RawUpstream = {
    port: 0,
    bodies: [],
    accepted: 0,
    open: () => sockets.size,
    script: () => ({ pieces: [] }),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  const server = net.createServer((sock) => {
    sockets.add(sock);
    up.accepted++;
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const h = buf.indexOf('\r\n\r\n');
      if (h < 0) return;
      const len = Number(/content-length:\s*(\d+)/i.exec(buf.subarray(0, h).toString())?.[1] ?? 0);
      if (buf.byteLength < h + 4 + len) return;
      sock.off('data', onData);
      const body = JSON.parse(buf.subarray(h + 4, h + 4 + len).toString() || '{}');
      buf = Buffer.alloc(0);
      up.bodies.push(body);
      up.lastSocket = sock;
      // Keep-alive: the next request on this socket is read once this answer is out.
      void answer(sock, up.script(body)).then(() => sock.on('data', onData));
    };
    sock.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  up.port = (server.address() as net.AddressInfo).port;
  return up;
}

async function answer(sock: net.Socket, s: RawScript): Promise<void> {
  const end = s.end ?? 'clean';
  const chunked = end !== 'close-delimited';
  const head =
    s.head ?? `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n${chunked ? 'transfer-encoding: chunked\r\n' : 'connection: close\r\n'}\r\n`;
  sock.write(head);
  for (const p of s.pieces) {
    await sleep(s.gapMs ?? 3);
    if (sock.destroyed) return;
    const b = typeof p === 'string' ? Buffer.from(p) : Buffer.from(p);
    if (!b.byteLength) continue;
    sock.write(chunked ? Buffer.concat([Buffer.from(`${b.byteLength.toString(16)}\r\n`), b, Buffer.from('\r\n')]) : b);
  }
  await sleep(s.gapMs ?? 3);
  if (end === 'clean') sock.write('0\r\n\r\n');
  else if (end === 'fin' || end === 'close-delimited') sock.end();
  else if (end === 'rst') sock.resetAndDestroy();
}
