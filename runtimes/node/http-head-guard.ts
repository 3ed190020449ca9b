// Request heads node:http parses but would pass on wrong, refused before the app sees them; and how a
// connection closes while its client may still be sending (lingerOnClose).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/**
 * Header fields a request head may have. node:http keeps the first maxHeadersCount of them and drops
 * the rest without a word (its default keeps 1000 fields), so a Content-Type, Content-Encoding,
 * session header or Authorization after them never reached the gateway: the body was read as JSON
 * whatever it was, the upstream got the request without them. The server keeps one more than this,
 * so a head over it is seen and refused with 431, as Envoy (the reference's front) does past its
 * header count. The bytes of a head are capped apart from this (16 KiB, Node's --max-http-header-size).
 */
export const MAX_HEADER_FIELDS = 1000;

/** What the server's maxHeadersCount must be for headRefusal to see a head over the limit. */
export const KEEP_HEADER_FIELDS = MAX_HEADER_FIELDS + 1;

interface Refusal {
  status: number;
  code: string;
  message: string;
  /** The reason label of semroute_http_client_errors_total. */
  reason: string;
}

const TOO_MANY: Refusal = { status: 431, code: 'request_header_fields_too_large', message: `The request has more than ${MAX_HEADER_FIELDS} header fields.`, reason: 'too_many_header_fields' };
const refusalBody = (r: Refusal) => JSON.stringify({ error: { message: r.message, type: 'invalid_request_error', param: null, code: r.code } });

function headRefusal(req: IncomingMessage): Refusal | undefined {
  const raw = req.rawHeaders;
  if (raw.length > MAX_HEADER_FIELDS * 2) return TOO_MANY;
  // RFC 9112 3.2: a request with more than one Host field must get 400 (Node keeps the first).
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host' && ++hosts > 1) {
      return { status: 400, code: 'invalid_host', message: 'The request has more than one Host header field.', reason: 'duplicate_host' };
    }
  }
  // RFC 9112 3.2: an HTTP/1.1 request without Host must get 400. node:http refused it itself with a
  // bare 400 (requireHostHeader, turned off in serve.ts so that it is answered here, in the same shape).
  if (hosts === 0 && req.httpVersion === '1.1') {
    return { status: 400, code: 'invalid_host', message: 'The request has no Host header field (HTTP/1.1 requires one).', reason: 'missing_host' };
  }
  // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 request is faulty framing. node:http read it as
  // chunked and kept a kept-alive connection, while an HTTP/1.0 proxy in front reads no chunked body:
  // the two can disagree on where the next request starts (smuggling). 400 and close, as nginx does.
  if (req.httpVersionMinor === 0 && req.httpVersionMajor === 1 && req.headers['transfer-encoding'] !== undefined) {
    return { status: 400, code: 'invalid_transfer_encoding', message: 'An HTTP/1.0 request may not have a Transfer-Encoding.', reason: 'invalid_transfer_encoding' };
  }
  return undefined;
}

/** The listener, with heads headRefusal refuses answered here (OpenAI error shape, connection closed). */
export function guardHeads(listener: RequestListener, report?: (code: string, reason: string) => void): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    latest.set(req.socket, req);
    const refusal = headRefusal(req);
    if (!refusal) return listener(req, res);
    report?.(String(refusal.status), refusal.reason);
    const body = refusalBody(refusal);
    // The body (if any) is not read: the connection cannot carry another request after it.
    res.shouldKeepAlive = false;
    res.writeHead(refusal.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  };
}

/**
 * The same 431 for a head over MAX_HEADER_FIELDS, on a socket node:http no longer serves (an upgrade
 * request's, upgrade-as-http.ts): written raw, then the connection closes as after any refusal.
 */
export function refuseTooManyFields(socket: Socket, report?: (code: string, reason: string) => void): void {
  const body = refusalBody(TOO_MANY);
  socket.on('error', () => {});
  socket.write(`HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  lingeringClose(socket);
  report?.('431', TOO_MANY.reason);
}

/** Each socket's latest request: whether its body was read whole decides how the socket closes. */
const latest = new WeakMap<Socket, IncomingMessage>();

/** How long, and how much, a closing connection still reads (and drops) of what its client sends. */
export const LINGER_MS = 30_000;
export const LINGER_BYTES = 64 * 1024 * 1024;
// node:http's parser reads the socket natively (no 'data' events to count on), so the byte cap is polled: at
// loopback speeds (1-2 GB/s on a fast host) 100 ms let 130 MB more in past the cap; 10 ms keeps that to ~20 MB.
const LINGER_CHECK_MS = 10;

/**
 * A connection closed by the server after an answer given before the request's body was read (413 over
 * max_body_bytes, 415, 431) used to be closed at once: the bytes the client was still sending made the
 * kernel answer with a reset, and a client that reads only after writing its whole body (Python's
 * http.client, requests) got a broken pipe instead of the answer. node:http (Connection: close) and
 * @hono/node-server (500 ms or 64 MiB after the answer) both close through destroySoon: here it sends
 * the FIN, goes on reading and dropping up to LINGER_MS and LINGER_BYTES (nginx's lingering close), and
 * closes at once when the client does.
 */
function lingeringDestroySoon(this: Socket): void {
  if (this.destroyed) return;
  // A request read whole leaves nothing in flight: node:http's own close (FIN, then close).
  if (latest.get(this)?.complete !== false) return Socket.prototype.destroySoon.call(this);
  lingeringClose(this);
}

/** FIN after what was written, then read and drop what the client still sends (up to LINGER_MS / LINGER_BYTES). */
export function lingeringClose(socket: Socket): void {
  if (socket.writable) socket.end();
  if (socket.readableEnded) return void socket.destroy();
  const until = Date.now() + LINGER_MS;
  const bytesAtStart = socket.bytesRead;
  const check = setInterval(() => {
    if (Date.now() >= until || socket.bytesRead - bytesAtStart > LINGER_BYTES) socket.destroy();
  }, LINGER_CHECK_MS);
  check.unref();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearInterval(check));
}

/** For the server's 'connection' event. */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = lingeringDestroySoon;
}
