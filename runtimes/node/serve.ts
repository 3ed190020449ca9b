// Serves a fetch-style app (the Hono gateway, the mock) on node:http through @hono/node-server.
import { getRequestListener } from '@hono/node-server';
import { createServer, ServerResponse, type IncomingMessage, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { listen, type DrainResult } from './listen.ts';
import { guardHeads, KEEP_HEADER_FIELDS, lingerOnClose, MAX_HEADER_FIELDS, refuseTooManyFields } from './http-head-guard.ts';
import { upgradeAsHttp } from './upgrade-as-http.ts';
import { clientErrorHandler, connectHandler, expectationFailedHandler, requestErrorHandler, type ClientErrorReport } from './client-errors.ts';

export interface Served {
  port: number;
  url: string;
  server: Server;
  /** Requests whose answer has not finished yet. */
  active(): number;
  /** At once: does not wait for requests in flight. */
  close(): Promise<void>;
  /** Graceful: requests in flight get drainMs to finish, then are cut (see listen.ts). */
  drain(drainMs: number): Promise<DrainResult>;
}

type FetchFn = (req: Request) => Response | Promise<Response>;

const NON_ASCII = /[^\x00-\x7f]/;
const EMPTY = Buffer.alloc(0);
const flushQueuedHead = (res: HeaderBytesResponse) => res.flushHeadNow();
function disarmStall(this: HeaderBytesResponse): void {
  this.disarmStall();
}
const rearmStall = (res: HeaderBytesResponse) => res.rearmStall();
const cutStalled = (res: HeaderBytesResponse) => {
  res.disarmStall();
  res.destroy();
};
const nonAscii = (v: unknown): boolean => (typeof v === 'string' ? NON_ASCII.test(v) : Array.isArray(v) ? v.some(nonAscii) : false);

/**
 * Header values are octets; a proxied one (undici reads them as latin1, one char per byte) must leave
 * as the same bytes. node:http writes the head as latin1, except when the head goes out in one write
 * with a string body or as flushHeaders' empty string: then the head is glued to the string and the
 * whole is encoded as UTF-8, so each byte 0x80-0xff leaves as two (Node 20 OutgoingMessage._send).
 * @hono/node-server takes both paths (end(jsonString), flushHeaders() before a stream). When a header
 * holds a non-ASCII char, string chunks become Buffers here, which makes node:http write the head on
 * its own as latin1; all-ASCII answers (nearly all) keep node:http's single-write path untouched.
 */
export class HeaderBytesResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {
  /** How long the client may leave written bytes unread before the answer is cut (0: for ever). */
  writeStallMs = 0;
  private latin1Head = false;
  private flushQueued = false;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private stallHooked = false;
  private awaitingSocket = false;

  override setHeader(name: string, value: number | string | readonly string[]): this {
    if (nonAscii(value)) this.latin1Head = true;
    return super.setHeader(name, value);
  }

  override writeHead(statusCode: number, ...rest: any[]): this {
    // An answer before the request's body came in whole (413 over max_body_bytes, 415, 404): the rest
    // of the body is never read as a body, so the connection cannot carry another request. node:http
    // said keep-alive, and @hono/node-server's drain closed it 500 ms later under a client that took
    // the header at its word. It says close, and closes after the answer (lingerOnClose), as Envoy
    // does. (A request without a body is complete before the app's first await; one with a body is
    // complete once the app has read it, or if node:http had parsed it all before the app answered.)
    if (this.shouldKeepAlive && this.req?.complete === false) this.shouldKeepAlive = false;
    for (const a of rest) {
      if (typeof a === 'string' ? NON_ASCII.test(a) : Array.isArray(a) ? nonAscii(a.flat()) : a && typeof a === 'object' && Object.values(a).some(nonAscii)) {
        this.latin1Head = true;
      }
    }
    return super.writeHead(statusCode, ...rest);
  }

  override write(...args: any[]): boolean {
    const ok = (super.write as (...a: unknown[]) => boolean)(...this.asBytes(args));
    if (!ok) this.armStall();
    return ok;
  }

  override end(...args: any[]): this {
    (super.end as (...a: unknown[]) => this)(...this.asBytes(args));
    // A large JSON answer the client does not read stays in the socket's buffer.
    // (A pipelined answer still queued is checked once its socket is its, in armStall.)
    if (!this.socket || (this.socket.writableNeedDrain && !this.writableFinished)) this.armStall();
    return this;
  }

  /**
   * The client stopped reading (the socket's buffer is full): the answer waits, and with it the
   * upstream (backpressure), with no limit of its own: the idle timeout counts only the upstream's
   * silence. Past writeStallMs without a drain the answer is cut, which cancels the upstream request.
   * Armed only when a write meets backpressure, so an answer the client keeps up with costs no timer.
   */
  private armStall(): void {
    if (!this.writeStallMs || this.stallTimer || this.destroyed) return;
    // No socket yet: a pipelined answer queued behind the one before it (node:http holds its bytes),
    // which is no client leaving it unread. Checked again once the socket is its and the queue went out.
    if (!this.socket) {
      if (!this.awaitingSocket) this.once('socket', () => process.nextTick(rearmStall, this));
      this.awaitingSocket = true;
      return;
    }
    this.stallTimer = setTimeout(cutStalled, this.writeStallMs, this);
    if (this.stallHooked) return;
    this.stallHooked = true;
    this.on('drain', disarmStall);
    this.once('finish', disarmStall);
    this.once('close', disarmStall);
  }

  /** @internal */
  rearmStall(): void {
    if (this.socket?.writableNeedDrain && !this.writableFinished) this.armStall();
  }

  /** @internal */
  disarmStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  /**
   * @hono/node-server flushes the head before it reads a streamed body: a write(2) of its own, about
   * 40-80 us of CPU per streamed answer on loopback. The flush waits for the end of this event-loop
   * turn instead (setImmediate, after the I/O callbacks of the turn): a first chunk already at hand
   * (received with the upstream's headers) is written in this turn and carries the head in the same
   * write; an upstream whose first chunk has not come yet still gets the head to the client at once.
   */
  override flushHeaders(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(flushQueuedHead, this);
  }

  /** The deferred flush: nothing to do when a write or end() has sent the head meanwhile. */
  flushHeadNow(): void {
    this.flushQueued = false;
    const self = this as unknown as { _headerSent: boolean; _implicitHeader(): void; _send(data: Buffer): boolean };
    if (self._headerSent || this.destroyed || this.writableEnded) return;
    if (!this.latin1Head) return super.flushHeaders();
    // node:http's own flushHeaders with an empty Buffer for its empty string.
    if (!this.headersSent) self._implicitHeader();
    self._send(EMPTY);
  }

  private asBytes(args: unknown[]): unknown[] {
    if (!this.latin1Head || typeof args[0] !== 'string') return args;
    const enc = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined;
    return [Buffer.from(args[0], enc ?? 'utf8'), ...args.slice(enc ? 2 : 1)];
  }
}

/**
 * How long a client may take to send a whole request, head and body (Node's own default): past it the
 * client gets 408 and the socket closes. It ends with the request's last byte, so it never cuts an
 * answer (a long SSE stream included). With 0 (as before) a client that sent its head and then a body
 * byte a second, or nothing, held its socket and the handler for ever.
 */
export const REQUEST_TIMEOUT_MS = 300_000;
/** The same for the head alone (Node's default). */
const HEADERS_TIMEOUT_MS = 60_000;
/** How long an idle kept-alive connection stays open (server.keep_alive_timeout_ms sets it). */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** How long a client may leave an answer unread (HeaderBytesResponse.armStall). */
export const WRITE_STALL_MS = 300_000;

export interface ServerTimeoutOptions {
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

function serverTimeouts(opts: ServerTimeoutOptions): { requestTimeout: number; headersTimeout: number; keepAliveTimeout: number } {
  const requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node wants the head's limit within the request's (0: the request has none).
  const headersTimeout = requestTimeout > 0 ? Math.min(opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout) : (opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS);
  return { requestTimeout, headersTimeout, keepAliveTimeout: opts.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS };
}

/**
 * A config reload's client timeouts on the running server: node:http reads keepAliveTimeout as each
 * answer ends and the other two at each connections check. The check's interval stays the one the
 * start-up's values set (a quarter of the head's timeout, at most 30 s), so a lowered timeout may cut
 * up to that much later.
 */
export function setServerTimeouts(server: Server, opts: ServerTimeoutOptions): void {
  const t = serverTimeouts(opts);
  server.requestTimeout = t.requestTimeout;
  server.headersTimeout = t.headersTimeout;
  server.keepAliveTimeout = t.keepAliveTimeout;
}

export async function serveFetch(
  fetch: FetchFn,
  opts: ServerTimeoutOptions & {
    host?: string;
    port?: number;
    writeStallMs?: number;
    /** Each request node:http refused itself (client-errors.ts), for the metric and the warning line. */
    onClientError?: ClientErrorReport;
  } = {},
): Promise<Served> {
  const host = opts.host ?? '127.0.0.1';
  const { headersTimeout } = serverTimeouts(opts);
  const stallMs = opts.writeStallMs ?? WRITE_STALL_MS;
  class ServedResponse<Req extends IncomingMessage = IncomingMessage> extends HeaderBytesResponse<Req> {
    override writeStallMs = stallMs;
  }
  // Node checks both timeouts every connectionsCheckingInterval (30 s by default): a request that runs
  // over is cut up to that much later. A quarter of the shorter one (the head's), so at most 25% late.
  // requireHostHeader: off, so that http-head-guard.ts answers a missing Host in the OpenAI shape.
  const serverOptions = { ServerResponse: ServedResponse, connectionsCheckingInterval: Math.min(30_000, Math.max(50, headersTimeout / 4)), requireHostHeader: false };
  // @hono/node-server's listener (createAdaptorServer's, with an errorHandler it does not pass on);
  // heads with too many fields, two Hosts or none are answered before it (http-head-guard.ts).
  const listener = getRequestListener(fetch, { hostname: host, errorHandler: requestErrorHandler(opts.onClientError) }) as RequestListener;
  const server = createServer(serverOptions as ServerOptions, guardHeads(listener, opts.onClientError));
  server.maxHeadersCount = KEEP_HEADER_FIELDS;
  server.on('connection', lingerOnClose);
  server.on('clientError', clientErrorHandler(opts.onClientError));
  server.on('checkExpectation', expectationFailedHandler(opts.onClientError));
  server.on('connect', connectHandler(opts.onClientError));
  // Upgrade: h2c / websocket are not served; such a request is read and answered as plain HTTP/1.1.
  server.on('upgrade', upgradeAsHttp(server, MAX_HEADER_FIELDS, (socket) => refuseTooManyFields(socket, opts.onClientError)));
  setServerTimeouts(server, opts);
  // Expect: 100-continue (curl 7.88 sends it for bodies over 1 MiB): node:http answers 100 Continue at once
  // unless asked; here it goes out when the app starts reading the body, so a request refused from its
  // head (413 over max_body_bytes, 415, 404) is answered before the client uploads anything. node:http
  // closes the connection after a final answer sent without the 100 (the client may not send the body).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    req.once('resume', () => {
      if (!res.headersSent && !res.destroyed) res.writeContinue();
    });
    server.emit('request', req, res);
  });
  const { port, active, close, drain } = await listen(server, opts.port ?? 0, host);
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { port, url: `http://${shown}:${port}`, server, active, close, drain };
}
