// Requests node:http refuses before any handler sees them (its 'clientError' event): a head its parser
// cannot read (bad header bytes, request-smuggling shapes, a TLS hello on the plain port), an oversized
// head, a head or body that does not come in time; and the other answers node:http or @hono/node-server
// gave by themselves (an unknown Expect, CONNECT, a target or Host that makes no URL). Node answered them itself with a bare status line,
// and nothing counted or logged them: an operator under attack, or with a broken client, saw nothing.
// The answer stays Node's (same status, Connection: close, then the socket is destroyed) with an
// OpenAI-shaped body; each is reported (code, reason) for semroute_http_client_errors_total and a
// warning line with counts at most once a minute. Never the request's bytes: Node hangs them on the
// error (rawPacket) and they can hold PII.
import { STATUS_CODES } from 'node:http';
import { RequestError } from '@hono/node-server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { lingeringClose } from './http-head-guard.ts';
import { markRequestTimedOut } from './client-signal.ts';

export const CLIENT_ERRORS_METRIC = 'semroute_http_client_errors_total';

/**
 * A client that left (reset, broken pipe, or a close in the middle of its request) made no error of
 * its request: not counted, as the request logs count a client gone mid-answer as a cancel, not an error.
 */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);
/** Closed mid-request (FIN): Node still answers 400 if it can (a half-closed client may read it); not counted. */
const CLOSED_MID_REQUEST = 'HPE_INVALID_EOF_STATE';

/** llhttp's error codes (HPE_*) a label may name, lower-cased without the prefix; any other is "other". */
const PARSER_REASONS = new Set([
  'invalid_method',
  'invalid_url',
  'invalid_constant',
  'invalid_version',
  'invalid_header_token',
  'invalid_content_length',
  'unexpected_content_length',
  'invalid_transfer_encoding',
  'invalid_chunk_size',
  'lf_expected',
  'cr_expected',
  'unexpected_space',
  'strict',
  'header_overflow',
  'chunk_extensions_overflow',
  'paused_h2_upgrade',
  'invalid_eof_state',
]);

/** Node's status for each (node:http _http_server.js socketOnError); any other error is a 400. */
const STATUS: Record<string, number> = { HPE_HEADER_OVERFLOW: 431, HPE_CHUNK_EXTENSIONS_OVERFLOW: 413, ERR_HTTP_REQUEST_TIMEOUT: 408 };

const MESSAGES: Record<number, string> = {
  400: 'The request is not valid HTTP/1.1 and could not be read.',
  408: 'The request did not arrive in time.',
  413: 'A chunk extension of the request body is larger than the server accepts.',
  431: 'The request head is larger than the server accepts.',
  405: 'CONNECT is not served here: this is no proxy.',
  417: 'The request has an Expect the server does not know (only 100-continue is).',
};

/** The (status, reason) label values: bounded, from the fixed sets above. */
export type ClientErrorReport = (code: string, reason: string) => void;

interface SocketWithMessage extends Socket {
  /** The answer going out on the socket now (node:http internals). */
  _httpMessage?: { _headerSent?: boolean; _last?: boolean; shouldKeepAlive?: boolean; req?: IncomingMessage } | null;
}

const answers = new Map<string, Buffer>();
/** Sockets answered after a parser error, closing (lingeringClose). */
const answered = new WeakSet<Socket>();
function answer(status: number, reason: string): Buffer {
  const key = `${status} ${reason}`;
  let bytes = answers.get(key);
  if (!bytes) {
    const body = JSON.stringify({ error: { message: MESSAGES[status], type: 'invalid_request_error', param: null, code: reason } });
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    bytes = Buffer.from(head + body, 'latin1');
    answers.set(key, bytes);
  }
  return bytes;
}

function reasonOf(code: string, socket: SocketWithMessage): string {
  // A request whose head came in has an answer attached to the socket: its body was too slow.
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return socket._httpMessage ? 'request_timeout' : 'head_timeout';
  const reason = code.startsWith('HPE_') ? code.slice(4).toLowerCase() : '';
  return PARSER_REASONS.has(reason) ? reason : 'other';
}

/** The server's 'clientError' listener: Node's own answer, with a body, and the report. */
export function clientErrorHandler(report?: ClientErrorReport): (err: Error & { code?: string }, socket: Socket) => void {
  return (err, socket: SocketWithMessage) => {
    const code = err.code ?? '';
    // Only the first error of a socket is answered: the parser stays failed and errors again on each
    // later read of a lingering socket (below), which is what reads and drops them.
    if (answered.has(socket)) return;
    if (CLIENT_GONE.has(code) || socket.destroyed) {
      socket.destroy();
      return;
    }
    const status = STATUS[code] ?? 400;
    const reason = reasonOf(code, socket);
    const serving = socket._httpMessage;
    // The body of a request being served came too slowly: its handler's signal says so before the
    // socket goes, so the request is logged and counted as a timeout (408), not as a client that left.
    if (reason === 'request_timeout' && serving?.req) markRequestTimedOut(serving.req);
    if (serving?.req?.complete && code.startsWith('HPE_')) {
      // A bad request pipelined behind one read whole: node:http wrote its 400 in place of that one's
      // answer (or cut it, once begun), so the client took the 400 for the request that was fine (a
      // chat request had run upstream for nothing). It gets its answer; the connection closes after
      // it, the bad request unanswered (its client sees the close, as after any Connection: close).
      answered.add(socket);
      serving.shouldKeepAlive = false;
      serving._last = true;
      report?.('none', reason);
      return;
    }
    // As Node: nothing is written once an answer on this socket has begun (it would corrupt it).
    const canAnswer = socket.writable && !socket._httpMessage?._headerSent;
    if (canAnswer) socket.write(answer(status, reason));
    // Node destroys the socket at once: with the client still sending (a body behind a bad head), the
    // kernel resets the connection and a client that writes its whole body before reading (Python's
    // http.client, requests) gets a broken pipe instead of the answer. A parser error leaves the parser
    // failed for good (no later byte is taken for a request), so the socket closes as after a 413: FIN,
    // then what still comes is read and dropped for a while. A timeout (the parser is still reading a
    // request) or no answer written: destroyed, as Node does.
    if (canAnswer && code.startsWith('HPE_')) {
      answered.add(socket);
      lingeringClose(socket);
    } else socket.destroy();
    if (code !== CLOSED_MID_REQUEST) report?.(canAnswer ? String(status) : 'none', reason);
  };
}

/**
 * The server's 'checkExpectation' listener: an Expect other than 100-continue. node:http answered a bare
 * 417 and kept the connection; here the same status in the OpenAI shape, the connection closed (the body
 * the client may send anyway is not read).
 */
export function expectationFailedHandler(report?: ClientErrorReport): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const bytes = answer(417, 'expectation_failed');
    const at = bytes.indexOf('\r\n\r\n') + 4;
    res.shouldKeepAlive = false;
    res.writeHead(417, { connection: 'close', 'content-type': 'application/json', 'content-length': bytes.length - at });
    res.end(bytes.subarray(at));
    report?.('417', 'expectation_failed');
  };
}

/**
 * The server's 'connect' listener: with none, node:http dropped a CONNECT (a proxy probe) without a
 * word. 405 in the OpenAI shape, then the connection closes. The socket is no longer node:http's, so
 * its errors (a reset) are caught here.
 */
export function connectHandler(report?: ClientErrorReport): (req: IncomingMessage, socket: Socket) => void {
  return (_req, socket) => {
    socket.on('error', () => {});
    socket.write(answer(405, 'connect'));
    lingeringClose(socket);
    report?.('405', 'connect');
  };
}

/**
 * @hono/node-server's errorHandler: a request whose target or Host it cannot make a URL of (OPTIONS *,
 * an absolute URL with a bad port, a backslash in the path, a Host that is no host name) got a bare 400
 * with an empty body, the connection kept. Here the OpenAI shape, the connection closed, and the report.
 * Any other error (the fetch function threw) gets @hono/node-server's own answer (500, or 504 on a timeout).
 */
export function requestErrorHandler(report?: ClientErrorReport): (err: unknown) => Response {
  return (err) => {
    if (!(err instanceof RequestError)) {
      const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.constructor.name === 'TimeoutError');
      return new Response(null, { status: timeout ? 504 : 500 });
    }
    const host = /host header/i.test(err.message);
    const reason = host ? (/missing/i.test(err.message) ? 'missing_host' : 'invalid_host') : 'invalid_request_target';
    const message = host ? 'The Host header field is not a valid host.' : 'The request target is neither a path nor a valid http(s) URL.';
    report?.('400', reason);
    const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: reason } });
    return new Response(body, { status: 400, headers: { 'content-type': 'application/json', connection: 'close' } });
  };
}

/** How often at most a warning line about them goes out. */
export const CLIENT_ERROR_LOG_MS = 60_000;

/**
 * Counts each in the metric and logs counts: the first at once, the rest of the minute after it in one
 * line when the minute is over (a flood of bad requests makes one line a minute, not one each).
 */
export function clientErrorReporter(metrics: Metrics, logger: Logger, intervalMs = CLIENT_ERROR_LOG_MS): ClientErrorReport {
  let pending = new Map<string, number>();
  let lastLogAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    if (!pending.size) return;
    const counts = Object.fromEntries(pending);
    let total = 0;
    for (const n of pending.values()) total += n;
    pending = new Map();
    const since = lastLogAt === -Infinity ? undefined : Math.round((Date.now() - lastLogAt) / 1000);
    lastLogAt = Date.now();
    logger.warn({ client_errors: counts, total, since_last_s: since }, 'requests refused before the gateway read them: malformed, too large or too slow (answered 4xx and closed; counts by "status reason")');
  };
  return (code, reason) => {
    metrics.inc(CLIENT_ERRORS_METRIC, { code, reason });
    const key = `${code} ${reason}`;
    pending.set(key, (pending.get(key) ?? 0) + 1);
    if (timer) return;
    const wait = lastLogAt + intervalMs - Date.now();
    if (wait <= 0) return flush();
    timer = setTimeout(flush, wait);
    // Counts still waiting at exit are in the metric; the line is not worth holding the process for.
    timer.unref();
  };
}
