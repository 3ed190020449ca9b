// UpstreamClient over undici's dispatch API (runtimes/node/upstream-exchange.ts) with a keep-alive Agent
// (connections per origin = upstream.keep_alive_connections). Not global fetch: on Node 20 it costs
// about 0.4 ms of CPU per request, more than the whole classification; undici is the same HTTP/1.1
// client without the fetch layers and about 15-20 us less CPU per request than node:http's
// ClientRequest (bench/upstream-clients.ts).
// Errors before the response headers are UpstreamConnectError (nothing was sent: the forwarder may
// try the next endpoint), UpstreamDroppedError (sent and read, then closed unanswered: not sent
// again) or UpstreamTimeoutError; a stale keep-alive socket gets one more try here (upstream-sockets.ts).
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Agent, Client, errors as undiciErrors } from 'undici';
import { UpstreamConnectError, UpstreamDroppedError, UpstreamTimeoutError, UpstreamTooLargeError, readerStream, type BodyReader, type UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../src/upstream/types.ts';
import { ChunkQueueReader } from './chunk-queue-reader.ts';
import { SET_COOKIE_SEPARATOR } from '../../src/upstream/headers.ts';
import { UpstreamExchange } from './upstream-exchange.ts';
import { markingConnector, socketFate, type EndpointTls } from './upstream-sockets.ts';
import { markResent } from '../../src/upstream/send-failover.ts';

export interface NodeUpstreamOptions {
  maxSockets?: number;
  connectTimeoutMs?: number;
  /** Most bytes of a non-streamed answer read into memory (decoded); default MAX_ANSWER_BYTES. */
  maxAnswerBytes?: number;
  /** https endpoints with their own trust (vllm_endpoints[].tls), by host:port. */
  tls?: ReadonlyMap<string, EndpointTls>;
}

/**
 * A non-streamed answer is read whole (the taps and the usage need the JSON). Past V8's longest string
 * (~512 MiB) the read's toString threw inside a stream event and took the process down with every
 * request in flight; a gzip answer a few hundred KB long decodes to that. 64 MiB is far above any chat
 * completion (100k tokens with logprobs is a few MB); a streamed answer is never held whole.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

// The core reads answers as plain bytes (usage, taps) and drops content-encoding, as a Worker's fetch
// hands them over; undici.request does not decode, so an upstream that compresses anyway (accept-encoding
// is not forwarded, but proxies and misconfigured servers do) is decoded here, once.
export function decoder(encoding: string | string[] | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  const enc = String(encoding ?? '').trim().toLowerCase();
  return enc === 'gzip' || enc === 'x-gzip'
    ? zlib.createGunzip()
    : enc === 'deflate'
      ? zlib.createInflate()
      : enc === 'br'
        ? zlib.createBrotliDecompress()
        : undefined;
}

function decoded(res: Readable, z: NonNullable<ReturnType<typeof decoder>>): Readable {
  // pipeline carries an error either way: a corrupt body or a dropped socket fails the decoded stream,
  // and destroying it (client gone) destroys the upstream response.
  return pipeline(res, z, () => {});
}

/**
 * A reader straight over the Node stream, for the forwarder's streaming path (no ReadableStream); up to
 * 16 chunks are queued before the upstream is paused. `body` wraps one in a web stream when asked.
 */
class NodeBodyReader extends ChunkQueueReader {
  constructor(private readonly src: Readable) {
    super();
    src.on('data', (chunk: Buffer) => {
      if (!this.data(chunk)) src.pause();
    });
    src.on('end', () => this.end());
    // The upstream went away mid-answer. 'close' follows every answer, also a complete one: the Error
    // (its stack capture about 15-20 us) is built only when the answer had not ended.
    src.on('error', (err: Error) => this.fail(err));
    src.on('close', () => {
      if (this.open) this.fail(new Error('upstream connection closed mid-response'));
    });
  }

  protected resumeSource(): void {
    this.src.resume();
  }

  protected abortSource(): void {
    this.src.destroy();
  }
}

function readAll(res: Readable, maxBytes: number, onData?: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let parts: Buffer[] = [];
    let size = 0;
    let ended = false;
    res.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size > maxBytes) {
        ended = true;
        parts = [];
        reject(new UpstreamTooLargeError(maxBytes));
        // Drops the upstream answer (and its socket: the rest is not read).
        res.destroy();
        return;
      }
      parts.push(c);
      onData?.();
    });
    res.on('end', () => {
      if (ended) return;
      ended = true;
      try {
        resolve(Buffer.concat(parts).toString('utf8'));
      } catch (err) {
        // Never thrown out of a stream event (that is an uncaught exception).
        reject(err);
      }
    });
    res.on('error', reject);
    res.on('close', () => {
      if (!ended) reject(new Error('upstream connection closed mid-response'));
    });
  });
}

// A class, not an object literal with a `get body()`: a literal with an accessor, built per request,
// cost about 20 us of CPU per request (bench/upstream-clients.ts, bundled).
class NodeUpstreamResponse implements UpstreamResponse {
  private stream: ReadableStream<Uint8Array> | undefined;

  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    private readonly ex: UpstreamExchange,
    /** The decoder of a compressed answer (rare): its bytes then go through a node stream and zlib. */
    private readonly z: ReturnType<typeof decoder>,
    private readonly maxBytes: number,
  ) {}

  /** Built on first use: a JSON answer read through text() never pays for a web stream. */
  get body(): ReadableStream<Uint8Array> {
    return (this.stream ??= readerStream(this.reader()));
  }

  text(onData?: () => void): Promise<string> {
    return this.z ? readAll(decoded(this.ex.readable(), this.z), this.maxBytes, onData) : this.ex.text(this.maxBytes, onData);
  }

  reader(): BodyReader {
    return this.z ? new NodeBodyReader(decoded(this.ex.readable(), this.z)) : this.ex.reader();
  }

  /** The idle timeout's end of a stalled text() read: the socket goes, the upstream stops generating. */
  abort(): void {
    this.ex.abort();
  }
}

/** undici's codes for an answer it received and refused (HTTPParserError carries no code). */
const MALFORMED_ANSWER = new Set(['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_HEADERS_OVERFLOW']);
/** A SocketError's code (UND_ERR_SOCKET) also names a dropped connection: these messages are answers
 *  undici refused, a 101 to a request that asked for no upgrade and a 1xx it does not take (100). */
const REFUSED_ANSWER = new Set(['bad upgrade', 'bad response']);

/**
 * A head undici takes but no client can be given (502 upstream_error, as the Worker answers). A status
 * past 599 (RFC 9110 15: 100-599) was passed on as such, a code no client knows. A transfer coding
 * before chunked (the gateway sends no TE, so RFC 9112 6.1 lets the upstream use none): undici
 * frames the body as chunked and hands the coded bytes on, so a passed-through answer went out as a
 * 200 and was cut when the framing failed. Refused at the head, before a byte goes to the client.
 */
function refusedHead(status: number, te: string | string[] | undefined): Error | undefined {
  if (status > 599) return new Error(`upstream answered HTTP ${status}, past 599`);
  if (te === undefined) return undefined;
  const codings = (Array.isArray(te) ? te.join(',') : te).split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
  if (codings.some((c) => c !== 'chunked')) return new Error(`upstream answered with Transfer-Encoding: ${codings.join(', ')}`);
  return undefined;
}

/** A connection that went away (reset, closed, other side closed), not an answer undici refused. */
function isSocketError(err: unknown): boolean {
  if (err instanceof undiciErrors.SocketError) return !REFUSED_ANSWER.has(err.message);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED';
}

export function createNodeUpstreamClient(opts: NodeUpstreamOptions = {}): UpstreamClient {
  const maxAnswerBytes = opts.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  const connect = markingConnector({ timeout: opts.connectTimeoutMs ?? 5_000 }, opts.tls);
  // Timeouts are the forwarder's: timeoutMs below (to the headers), the idle watch (the body).
  const agent = new Agent({ connections: opts.maxSockets ?? 256, connect, headersTimeout: 0, bodyTimeout: 0 });
  /** One-socket clients of the retries after a stale keep-alive socket, destroyed with the agent. */
  const retries = new Set<Client>();

  // Endpoints are few and fixed: parse each base URL once, not per request.
  const bases = new Map<string, { origin: string; host: string }>();
  const baseOf = (baseUrl: string) => {
    let b = bases.get(baseUrl);
    if (!b) {
      const u = new URL(baseUrl);
      b = { origin: u.origin, host: u.host };
      bases.set(baseUrl, b);
    }
    return b;
  };

  /** A socket that is surely new: a client of its own, closed once this request is over. */
  function freshSocket(origin: string): Client {
    const c = new Client(origin, { connect, headersTimeout: 0, bodyTimeout: 0 });
    retries.add(c);
    return c;
  }

  async function send(r: UpstreamRequest): Promise<UpstreamResponse> {
    const url = baseOf(r.baseUrl);
    if (r.signal?.aborted) throw new UpstreamConnectError('request aborted by the client');
    // One exchange per try, ended by the client's abort or by timeoutMs before the headers (an
    // AbortController would cost more than the rest of this). The timer spans both tries.
    let ex!: UpstreamExchange;
    const onClientAbort = () => ex.abort();
    let timedOut = false;
    const timer = r.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          ex.abort();
        }, r.timeoutMs)
      : undefined;
    const request = {
      origin: url.origin,
      method: r.method as 'POST',
      path: r.path,
      headers: r.headers,
      body: r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength),
    };
    let res;
    let retry: Client | undefined;
    try {
      for (;;) {
        ex = new UpstreamExchange();
        if (r.signal) {
          r.signal.addEventListener('abort', onClientAbort, { once: true });
          // Set before the dispatch: an answer whose body came in its head's packet has settled before
          // the await below returns, and its listener would stay on the client's signal.
          ex.onSettle = () => r.signal!.removeEventListener('abort', onClientAbort);
        }
        if (retry) {
          const c = retry;
          const settle = ex.onSettle;
          ex.onSettle = () => {
            settle?.();
            retries.delete(c);
            c.destroy().catch(() => {});
          };
          // connection: close, so the upstream's side goes too once the answer is over.
          c.dispatch({ ...request, reset: true }, ex);
        } else agent.dispatch(request, ex);
        try {
          res = await ex.head;
          break;
        } catch (err) {
          // A kept-alive socket the upstream closed as the request went out: it never read it; one
          // more try, on a new socket (a second stale one from the pool would fail the same way).
          // The same for a request that had not gone out yet: undici fails the requests queued on a
          // socket reset (RST) while idle, where after a FIN it sends them on a new socket itself; an
          // upstream that resets idle sockets (some load balancers) had them 502, the endpoint marked failing.
          if (retry || timedOut || r.signal?.aborted || !isSocketError(err) || socketFate(err, ex.written) === 'dropped') throw err;
          retry = freshSocket(url.origin);
        }
      }
    } catch (err) {
      // The second try's failure: the forwarder counts the re-send (send-failover.ts).
      if (retry) markResent(err);
      // (Settling took it off already; this covers a dispatch that threw without calling onError.)
      r.signal?.removeEventListener('abort', onClientAbort);
      if (timedOut) throw new UpstreamTimeoutError(`no response headers within ${r.timeoutMs} ms`);
      if (r.signal?.aborted) throw new UpstreamConnectError('request aborted by the client');
      const e = err as NodeJS.ErrnoException;
      // A request undici refuses to send (an invalid header) is no fault of the endpoint: not a connect error.
      if (e.code === 'UND_ERR_INVALID_ARG') throw err;
      // Nor is an answer that breaks HTTP (two Content-Lengths, Content-Length with chunked, a head
      // past 16 KB, a status line undici cannot parse): the endpoint took the request and answered, so
      // the POST is not sent again to the next one.
      if (err instanceof undiciErrors.HTTPParserError || MALFORMED_ANSWER.has(e.code ?? '')) throw err;
      if (err instanceof undiciErrors.SocketError && REFUSED_ANSWER.has(err.message)) throw err;
      const why = `upstream ${url.host}: ${e.code && !e.code.startsWith('UND_ERR') ? e.code : e.message}`;
      // Read by the upstream, then closed unanswered: it may be generating, so not sent elsewhere.
      if (isSocketError(err) && socketFate(err, ex.written) === 'dropped') throw new UpstreamDroppedError(`${why} (closed after the request was sent, before any byte of an answer)`, err);
      throw new UpstreamConnectError(why, err);
    } finally {
      if (timer) clearTimeout(timer);
    }
    const refused = refusedHead(res.status, res.headers['transfer-encoding']);
    if (refused) {
      ex.abort(refused);
      throw retry ? markResent(refused) : refused;
    }
    // After the headers the answer is committed: a client that leaves drops the upstream answer too
    // (the exchange is aborted), so the model stops generating.
    const out: Record<string, string> = {};
    for (const k in res.headers) {
      const v = res.headers[k];
      // Repeated fields joined as RFC 9110 5.3 allows, but each Set-Cookie kept apart (headers.ts SET_COOKIE_SEPARATOR).
      if (v !== undefined) out[k] = Array.isArray(v) ? v.join(k === 'set-cookie' ? SET_COOKIE_SEPARATOR : ', ') : v;
    }
    const answer = new NodeUpstreamResponse(res.status, out, ex, decoder(res.headers['content-encoding']), maxAnswerBytes);
    // Got on a fresh socket after a stale one: the forwarder counts the re-send (send-failover.ts).
    return retry ? markResent(answer) : answer;
  }

  return {
    send,
    async close() {
      for (const c of retries) c.destroy().catch(() => {});
      await agent.destroy();
    },
  };
}
