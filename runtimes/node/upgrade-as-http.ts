// A request that asks for a protocol upgrade (Upgrade: h2c, as `curl --http2` sends on http://; Upgrade:
// websocket) is served as the plain HTTP/1.1 request it also is: RFC 9110 7.8 lets a server ignore
// Upgrade. node:http did ignore it with no 'upgrade' listener, but its parser (llhttp) still flags the
// message as an upgrade, and node:http then drops the parser's errors (node_http_parser.cc returns no
// error while the upgrade flag is up) and the bytes after the message: a malformed chunked body was
// neither read nor refused (the client waited for request_timeout_ms, then got 408), and a request
// pipelined behind one was never answered (the socket idled until the keep-alive timeout).
// With this listener node:http hands over the socket with the body unread; the head goes back in
// front of those bytes without its Upgrade field, and the server takes the socket as a new connection:
// a fresh parser reads the request as any other, errors, timeouts and pipelining included.
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The head as it came, less Upgrade. `name:value` (no space: node:http trimmed the value's whitespace),
 * so it is never longer than the original and meets the same head-size limit.
 */
function headWithoutUpgrade(req: IncomingMessage): Buffer {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.length === 7 && raw[i]!.toLowerCase() === 'upgrade') continue;
    head += `${raw[i]}:${raw[i + 1]}\r\n`;
  }
  // node:http made its strings one char per byte (latin1): the same bytes go back.
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/**
 * The server's 'upgrade' listener. A head over `maxFields` fields gets the answer the request listener
 * gives one (`tooMany`, a 431) here: less its Upgrade field, a head of maxFields + 1 would pass.
 */
export function upgradeAsHttp(server: Server, maxFields: number, tooMany: (socket: Socket) => void): (req: IncomingMessage, socket: Socket, rest: Buffer) => void {
  return (req, socket, rest) => {
    if (socket.destroyed) return;
    if (req.rawHeaders.length > maxFields * 2) return tooMany(socket);
    const head = rest.length ? Buffer.concat([headWithoutUpgrade(req), rest]) : headWithoutUpgrade(req);
    afterAnswers(socket as SocketWithAnswer, () => {
      // After a Connection: close answer the socket is ending: what follows it is not read, as ever.
      if (socket.destroyed || !socket.writable) return;
      socket.unshift(head);
      server.emit('connection', socket);
    });
  };
}

interface SocketWithAnswer extends Socket {
  /** The answer being written on the socket (node:http internals); queued ones wait in its parser's state. */
  _httpMessage?: { writableFinished: boolean; once(event: 'finish', f: () => void): unknown } | null;
}

/**
 * Calls `then` once no earlier answer is being written on the socket. node:http hands over the socket
 * as soon as it reads the upgrade's head, with the answers of requests pipelined before it still to
 * come: each goes out on the old parser's queue (its 'finish' puts the next on the socket), so the new
 * parser waits for the last, or the answers would interleave. What the client sends meanwhile stays in
 * the socket's buffer (paused, so backpressure holds).
 */
function afterAnswers(socket: SocketWithAnswer, then: () => void): void {
  const answering = socket._httpMessage;
  if (!answering || answering.writableFinished) return then();
  // node:http's own 'finish' listener (registered first) moves the next queued answer onto the socket.
  answering.once('finish', () => afterAnswers(socket, then));
}
