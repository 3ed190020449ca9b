// UpstreamClient over the Workers fetch API (the Node runtime uses undici.request, which costs a fraction of fetch's CPU on Node 20; see DESIGN.md).
// A failure before the response headers is UpstreamConnectError when the request never reached the
// upstream whole (the forwarder may try the next endpoint), UpstreamDroppedError when it did (not sent
// again: sent-body.ts says which), UpstreamStaleError when it did not on what may have been a kept-alive
// connection closed as it was reused (sent once more by the forwarder: kept-alive.ts); no headers within
// timeoutMs is UpstreamTimeoutError. After the
// headers, only the client's abort cancels the body (and with it the upstream's generation).
import { UpstreamConnectError, UpstreamDroppedError, UpstreamTimeoutError, UpstreamTooLargeError, type UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../src/upstream/types.ts';
import { SET_COOKIE_SEPARATOR } from '../../src/upstream/headers.ts';
import { watchedBody } from './sent-body.ts';
import { EARLY_ANSWER_HOLD_MS, EARLY_ANSWER_READ_MS, earlyAnswerBody } from './early-answer.ts';
import { MAX_ERROR_TEXT_BYTES } from '../../src/upstream/error-text.ts';
import { UpstreamStaleError } from '../../src/upstream/send-failover.ts';
import { KeptAlive, REUSE_HOLD_MS, STALE_WINDOW_MS } from './kept-alive.ts';

/** workerd's pool of connections is the process's: one tally for every client of public fetch. */
const keptAlive = new KeptAlive();

/** A fetch function: global fetch, or a service binding's fetch (`env.UPSTREAM.fetch`). */
export type FetchFn = (input: Request) => Promise<Response>;

// Hop-by-hop and framing headers are the runtime's business, not the forwarder's.
const DROP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'te', 'trailer']);

/**
 * Most bytes (decoded: fetch undoes content-encoding) of a non-streamed answer read into memory. An
 * isolate has 128 MB for every request in it; fetch's text() held a 100 MB answer (or a 200 KB gzip
 * bomb's 200 MB) as bytes and again as a string, and the isolate died with all its requests. 16 MiB is
 * far above any chat completion (100k tokens with logprobs is a few MB) and leaves room for the string
 * (two bytes a character when not Latin-1) and its parse. Node's limit is 64 MiB (upstream-client.ts).
 */
export const MAX_WORKER_ANSWER_BYTES = 16 * 1024 * 1024;

/** The body read as text, refused past maxBytes (the read is cancelled: the upstream stops sending). */
export async function readCappedText(body: ReadableStream<Uint8Array>, maxBytes: number, onData?: () => void): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onData?.();
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      reader.cancel().catch(() => {});
      throw new UpstreamTooLargeError(maxBytes);
    }
    // Decoded as it comes, so the bytes are not held beside the string.
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/**
 * The endpoint took the request and answered, but not with an HTTP answer a proxy can pass on: not a
 * connection failure (no endpoint marked down, the POST not sent again to the next one), 502
 * upstream_error, as Node says of the same answers (undici refuses them; gateway-http-peers.test.ts).
 */
export class UpstreamProtocolError extends Error {
  override name = 'UpstreamProtocolError';
}

// workerd's words for an answer whose framing it refused (e.g. "invalid Content-Length header value").
// Its other refusals (a status line that is not HTTP) read "internal error", as a TLS or DNS failure
// does, so they stay connection failures: runtimes/worker/README.md lists that difference.
const FRAMING = /content-length|transfer-encoding/i;

/**
 * A fetch failure whose body went out whole (`sent` true) is one the upstream may have read: workerd
 * says "Network connection lost." for that as for a refused connection, so the body is the witness;
 * on a reused connection too (its body waited for the race to show first: kept-alive.ts REUSE_HOLD_MS).
 * `sent` undefined (no body, or one too short to split): nothing to tell by, a connection failure as
 * before, unless it may have been the kept-alive race (a passed-through GET or HEAD on a reused
 * connection): sent once more as a request with a body is, not failed over with its endpoint marked down.
 */
function sentOrNot(err: unknown, sent: boolean | undefined, host: string, stale: boolean): unknown {
  if (sent === false || err instanceof UpstreamProtocolError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (FRAMING.test(message)) return err;
  if (sent === undefined) {
    // "internal error" is a TLS or DNS failure, or an answer that is not HTTP: no race.
    if (!stale || /^internal error/i.test(message)) return err;
    return new UpstreamStaleError(`upstream ${host}: ${message} (a kept-alive connection closed as the request went out on it)`, err);
  }
  // workerd's word for an answer it could not parse (a status line that is not HTTP) as for a TLS or
  // DNS failure; those fail before the body goes out, so here the upstream took the request and
  // answered something that is not HTTP: 502 upstream_error, as Node's parser says.
  if (/^internal error/i.test(message)) return new UpstreamProtocolError(`upstream ${host}: ${message} (an answer that is not HTTP)`);
  return new UpstreamDroppedError(`upstream ${host}: ${message} (closed after the whole request was sent, before any byte of an answer)`, err);
}

/**
 * The format to decode an answer's body with when workerd's fetch left it encoded: it decodes a
 * content-encoding of exactly 'gzip' or 'br'. 'BR' in another case stays as it came (DecompressionStream
 * has no brotli): README.
 */
function stillEncoded(value: string | null): CompressionFormat | undefined {
  if (!value || value === 'gzip' || value === 'br') return undefined;
  const v = value.trim().toLowerCase();
  return v === 'gzip' || v === 'x-gzip' ? 'gzip' : v === 'deflate' ? 'deflate' : undefined;
}

/**
 * `connectTimeoutMs`: upstream.connect_timeout_ms, for public fetch (a service binding's Worker may
 * read the body whenever it likes, which says nothing of a connection).
 */
export function createFetchUpstreamClient(fetchFn?: FetchFn, maxAnswerBytes = MAX_WORKER_ANSWER_BYTES, connectTimeoutMs?: number): UpstreamClient {
  // Public fetch's connections are workerd's pool; a service binding's are none the Worker can tally.
  const pool = fetchFn ? undefined : keptAlive;
  const doFetch: FetchFn = fetchFn ?? ((r) => fetch(r));
  return {
    async send(r: UpstreamRequest): Promise<UpstreamResponse> {
      const url = new URL(r.path, r.baseUrl);
      const ctl = new AbortController();
      let timedOut = false;
      const onAbort = () => ctl.abort(r.signal?.reason);
      if (r.signal?.aborted) throw new UpstreamConnectError('request aborted by the client');
      r.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = r.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            ctl.abort(new Error('upstream timeout'));
          }, r.timeoutMs)
        : undefined;
      const headers = new Headers();
      for (const [k, v] of Object.entries(r.headers)) if (!DROP.has(k.toLowerCase())) headers.set(k, v);
      try {
        let res: Response | undefined;
        // Whether the answer came before the request body went out whole (early-answer.ts).
        let early = false;
        // An attempt whose body never went out whole gets one more: the upstream cannot have started
        // on it. A kept-alive connection the upstream closed as it was reused fails in workerd with the
        // same error as a drop, and with the body whole when the request sat unread in the upstream's
        // buffer. So on a connection that may have been a kept-alive one near the upstream's idle close
        // (kept-alive.ts surelyOpen: not one idle under REUSE_FLOOR_MS, the steady traffic's, until a
        // failure was seen there) the body waits REUSE_HOLD_MS after its first bytes: the crossing fails
        // it before it went out whole (UpstreamStaleError, sent again once by the forwarder,
        // send-failover.ts, counted); one that
        // went out whole and failed was read, maybe, and is not sent again, on any connection (a chat
        // completion sent twice runs twice): README. Node retries the race once on a fresh socket
        // (upstream-sockets.ts). The second try holds its body after the connect too (sent-body.ts): a
        // proxy that answers from the head and resets is then seen answering, where the reset failed
        // the first try's write.
        for (let attempt = 0; !res; attempt++) {
          // How long the pooled connection it may take had been idle (kept-alive.ts); undefined: none.
          const idleMs = pool?.take(url.origin);
          const reused = idleMs !== undefined;
          const hold = attempt > 0 ? EARLY_ANSWER_HOLD_MS : reused && !pool!.surelyOpen(url.origin, idleMs) ? REUSE_HOLD_MS : 0;
          const body = watchedBody(r.body, hold);
          // No connection within connectTimeoutMs (SYNs dropped, a host gone): the next endpoint, as on
          // Node. Without a body there is nothing to tell the connect by: upstream.timeout_ms alone.
          let connectTimedOut = false;
          const connectTimer = connectTimeoutMs && body.connected
            ? setTimeout(() => {
                connectTimedOut = true;
                ctl.abort(new Error('upstream connect timeout'));
              }, connectTimeoutMs)
            : undefined;
          if (connectTimer) void body.connected!.then(() => clearTimeout(connectTimer));
          const startedAt = Date.now();
          try {
            // redirect manual: an upstream's 3xx goes back to the client as on Node (undici follows none).
            // fetch's default followed it, re-sending the prompt and its headers to wherever Location named.
            const pending = doFetch(new Request(url, { method: r.method, headers, body: body.init as BodyInit | undefined, signal: ctl.signal, redirect: 'manual' }));
            body.answeredBy(pending);
            res = await pending;
            early = body.sent() === false;
            if (reused) pool!.answered(url.origin, idleMs);
          } catch (err) {
            if (connectTimedOut && !timedOut && !r.signal?.aborted) throw new UpstreamConnectError(`upstream ${url.host}: no connection within ${connectTimeoutMs} ms`, err);
            const soon = reused && !timedOut && !r.signal?.aborted && Date.now() - startedAt <= STALE_WINDOW_MS;
            if (timedOut || r.signal?.aborted || body.sent() !== false) {
              const failure = sentOrNot(err, body.sent(), url.host, soon);
              // Whole with no hold (idle under the floor): a drop or a crossing, a 502 either way, never
              // sent twice. Learned as a crossing, so the reuses after it near that idle time are held
              // and a next crossing is sent again (kept-alive.ts raceIdle; forgotten if it was a drop).
              if (soon && attempt === 0 && hold === 0 && (failure instanceof UpstreamDroppedError || failure instanceof UpstreamStaleError)) pool!.raced(url.origin, idleMs!);
              throw failure;
            }
            // Not whole, on a connection that may have been a kept-alive one: the race, its write failed
            // or its rest held (REUSE_HOLD_MS). The forwarder sends it again (and counts it). The upstream
            // surely closed it unread: its idle close, after about that idle time (kept-alive.ts).
            if (soon && attempt === 0) pool!.raced(url.origin, idleMs!);
            if (reused && attempt === 0) throw new UpstreamStaleError(`upstream ${url.host}: ${err instanceof Error ? err.message : String(err)} (a kept-alive connection closed as the request went out on it)`, err, false);
            if (attempt > 0) throw err;
          } finally {
            clearTimeout(connectTimer);
          }
        }
        // fetch hands a 101 (to a POST that asked for no upgrade) or a 100 nobody asked for back as
        // the answer; a Response cannot carry either, so the gateway failed with 500 internal_error.
        // Past 599 likewise (RFC 9110 15: 100-599): a Response cannot carry it (RangeError), and the
        // gateway answered 500 internal_error, its own failure. Node passes it on: README.
        if (res.status < 200 || res.status > 599) {
          ctl.abort();
          throw new UpstreamProtocolError(`upstream ${url.host} answered HTTP ${res.status} as its final answer`);
        }
        // Both framings (RFC 9112 6.1: a sender must not send both; passed on, they are how requests
        // are smuggled): Node's parser refuses the head, workerd read the body by one and failed it
        // later, a passed-through answer as a 200 then cut. 502 upstream_error, as Node.
        if (res.headers.has('transfer-encoding') && res.headers.has('content-length')) {
          ctl.abort();
          throw new UpstreamProtocolError(`upstream ${url.host} answered with both Content-Length and Transfer-Encoding`);
        }
        const out: Record<string, string> = {};
        res.headers.forEach((v, k) => { out[k] = v; });
        // workerd's forEach gives each set-cookie on its own, so the record kept only the last. Joined
        // with SET_COOKIE_SEPARATOR, as on Node: headersInit() gives the client one field per cookie
        // (a ', ' join was one field, which a cookie jar reads as one cookie: RFC 6265 3).
        const cookies = res.headers.getSetCookie();
        if (cookies.length > 1) out['set-cookie'] = cookies.join(SET_COOKIE_SEPARATOR);
        let body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
        // Read to its end, the answer gives its connection back to workerd's pool (unless it said close);
        // one with no body (a 204, a 304, the answer to a HEAD) gave it back already: the next request
        // takes it, and a close crossing that reuse is the race, not a drop. A body that ends at the
        // close (neither a length nor chunked: RFC 9112 6.3) leaves none, said or not: counted back, a
        // drop on the next request's fresh connection was taken for the race and sent twice.
        const framed = !res.body || res.headers.has('content-length') || /chunked/i.test(res.headers.get('transfer-encoding') ?? '');
        if (pool && framed && !/\bclose\b/i.test(res.headers.get('connection') ?? '')) {
          const origin = url.origin;
          if (!res.body) pool.released(origin);
          else body = body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: () => pool.released(origin) }));
        }
        // The core reads plain bytes. workerd's fetch decodes a content-encoding of exactly gzip or br;
        // Node decodes gzip, x-gzip, deflate and br in any case (upstream-client.ts): the rest here.
        const undecoded = res.body ? stillEncoded(res.headers.get('content-encoding')) : undefined;
        if (undecoded) body = body.pipeThrough(new DecompressionStream(undecoded) as unknown as TransformStream<Uint8Array, Uint8Array>);
        // An error answered from the head (early-answer.ts): its body, read now or never.
        if (early && res.status >= 400) body = await earlyAnswerBody(body, EARLY_ANSWER_READ_MS, MAX_ERROR_TEXT_BYTES, () => ctl.abort(new Error('the upstream refused the request before reading it')));
        return {
          status: res.status,
          headers: out,
          body,
          // A JSON answer is read through text() (capped), never with fetch's unbounded text().
          text: (onData) => readCappedText(body, maxAnswerBytes, onData),
          // The idle timeout ends a stalled text() read with this: fetch's signal cancels the body.
          abort: (reason) => ctl.abort(reason),
        };
      } catch (err) {
        r.signal?.removeEventListener('abort', onAbort);
        if (timedOut) throw new UpstreamTimeoutError(`no response headers within ${r.timeoutMs} ms`);
        if (r.signal?.aborted) throw new UpstreamConnectError('request aborted by the client');
        if (err instanceof UpstreamProtocolError || err instanceof UpstreamDroppedError || err instanceof UpstreamConnectError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        if (FRAMING.test(message)) throw new UpstreamProtocolError(`upstream ${url.host}: ${message}`);
        throw new UpstreamConnectError(`upstream ${url.host}: ${message}`, err);
      } finally {
        if (timer) clearTimeout(timer);
      }
    },
  };
}
