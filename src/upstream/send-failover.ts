// One upstream request over a model's endpoints, for chat (forward.ts) and the passed-through paths
// (api/passthrough-forward.ts): a connection failure moves to the next endpoint, which is safe
// because nothing has reached the upstream's application yet; any other failure ends the request,
// also a connection closed after the upstream read the request (UpstreamDroppedError): sent again,
// a POST could run twice. One exception: a kept-alive connection the upstream closed as the request
// went out on it (UpstreamStaleError, from a runtime that cannot pick a fresh connection itself: the
// Worker) is sent once more, as HTTP clients do for a reused connection (issue #3).
import type { AppDeps } from '../deps.ts';
import type { RequestErrorReason } from '../observability/label-values.ts';
import { ATTR, CLIENT, injectTraceHeaders, recordHttpStatus, withSpan } from '../observability/tracing.ts';
import type { IdleWatch } from './idle.ts';
import type { EndpointPool, PoolEndpoint } from './pool.ts';
import { UpstreamConnectError, UpstreamDroppedError, UpstreamTimeoutError, type CancelSignal, type UpstreamRequest, type UpstreamResponse } from './types.ts';

/** Thrown out of the span when the client left (its name becomes the span's status message). */
class ClientCancelled extends Error {
  override name = 'cancelled';
}

/**
 * A kept-alive connection closed, before any byte of an answer, as the request went out on it: the
 * upstream's idle timeout crossed the reuse, and the upstream most likely never read the request. The
 * runtime says so only when the connection may have been a reused one and the close came within a
 * round trip of the send (runtimes/worker/kept-alive.ts). Sent again once: the next endpoint, or this
 * one when it is the last (nothing says it is sick, so it is not marked down). A subclass of
 * UpstreamDroppedError: anywhere else, and a second time, it is a drop (never sent again).
 */
export class UpstreamStaleError extends UpstreamDroppedError {
  /** `whole`: the request went out whole (the upstream may have read it); false: it surely did not. */
  constructor(message: string, cause?: unknown, readonly whole = true) {
    super(message, cause);
    this.name = 'UpstreamStaleError';
  }
}

/**
 * A runtime's client that sent a request once more itself (Node: on a fresh socket, after a kept-alive
 * one the upstream closed as it was reused: upstream-sockets.ts) marks the answer, or the second try's
 * error (or its cause), so that the re-send is counted as the forwarder's own are.
 */
const RESENT = Symbol.for('semroute.upstream.resent');
export function markResent<T>(x: T): T {
  if (x && typeof x === 'object') (x as Record<symbol, unknown>)[RESENT] = true;
  return x;
}
/** How deep a mark is looked for along `cause`: the runtimes mark the error or its cause; a cyclic chain ends. */
const MAX_CAUSE_DEPTH = 8;
export function wasResent(x: unknown): boolean {
  for (let i = 0; i < MAX_CAUSE_DEPTH && x && typeof x === 'object'; i++) {
    if ((x as Record<symbol, unknown>)[RESENT] === true) return true;
    x = (x as { cause?: unknown }).cause;
  }
  return false;
}

/** Methods without effects (RFC 9110 9.2.1): sent again after a dropped connection, as on a refused one. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface FailoverRequest {
  requestId: string;
  /** The model's metrics label (retries, the span). */
  label: string;
  candidates: PoolEndpoint[];
  /** What goes to each endpoint; its trace headers are added here. */
  request: Pick<UpstreamRequest, 'method' | 'path' | 'headers' | 'body'>;
  /** The client's cancel. */
  signal?: CancelSignal;
  /** Its signal goes with the request; disposed here when no answer comes back. */
  idle: IdleWatch;
}

/** Why no answer came back: the caller counts it and answers with errorBody(message, type, code). */
export interface FailoverError {
  status: number;
  reason: RequestErrorReason;
  message: string;
  type: string;
  code: string;
}

export type FailoverResult = { res: UpstreamResponse; endpoint: string } | { error: FailoverError };

export async function sendWithFailover(deps: AppDeps, pool: EndpointPool, req: FailoverRequest): Promise<FailoverResult> {
  const { label, idle } = req;
  let used: string | undefined;
  let tried: string | undefined;
  let res: UpstreamResponse | undefined;
  // An endpoint read a safe request and dropped it (it went on to the next): not a refusal, when all fail.
  let dropped = false;
  try {
    // CLIENT, as the reference: an outgoing call, which tracing backends pair with the engine's span.
    res = await withSpan('semantic_router.upstream.request', { 'upstream.model': label, [ATTR.MODEL_NAME]: label }, async (span) => {
      // Inside this span, so the upstream's spans hang under semantic_router.upstream.request.
      injectTraceHeaders(req.request.headers);
      let attempt = 0;
      let staleResent = false;
      for (let i = 0; i < req.candidates.length; i++) {
        const ep = req.candidates[i]!;
        // Counts the stale re-send too (on this endpoint or the next).
        if (attempt++ > 0) deps.metrics.inc('llm_upstream_retries_total', { model: label });
        tried = ep.name;
        try {
          const r = await deps.upstream.send({
            baseUrl: ep.baseUrl,
            method: req.request.method,
            path: req.request.path,
            headers: req.request.headers,
            body: req.request.body,
            signal: idle.signal,
            timeoutMs: deps.config.upstream.timeout_ms,
          });
          if (wasResent(r)) deps.metrics.inc('llm_upstream_retries_total', { model: label });
          if (pool.markUp(ep)) deps.logger.info({ endpoint: ep.name }, 'upstream endpoint accepts connections again');
          used = ep.name;
          span.setAttributes({ [ATTR.ENDPOINT_NAME]: ep.name, [ATTR.ENDPOINT_ADDRESS]: ep.hostPort });
          // A 5xx is the call's failure on its own span too (the request span says what the client got).
          recordHttpStatus(span, r.status);
          return r;
        } catch (err) {
          // A dropped GET (a passed-through /version, /v1/audio/voices) changed nothing: it goes on too.
          // The client left: the call ends, said as such on its span (the runtimes throw a connect
          // error for an aborted request, which would send the operator after a sick endpoint).
          if (wasResent(err)) deps.metrics.inc('llm_upstream_retries_total', { model: label });
          if (req.signal?.aborted) throw new ClientCancelled();
          if (err instanceof UpstreamStaleError && !staleResent) {
            staleResent = true;
            deps.logger.debug({ request_id: req.requestId, endpoint: ep.name, err: err.message }, 'kept-alive upstream connection closed as the request went out; sending it once more');
            // The last endpoint: this one again (the loop's i++ comes back to it).
            if (i === req.candidates.length - 1) i--;
            continue;
          }
          // A second stale close: a drop, unless the request surely did not go out whole (a connect failure).
          const unsent = err instanceof UpstreamConnectError || (err instanceof UpstreamStaleError && !err.whole);
          const safe = unsent || (err instanceof UpstreamDroppedError && SAFE_METHODS.has(req.request.method));
          if (!safe) throw err;
          if (!unsent) dropped = true;
          deps.metrics.inc('llm_upstream_endpoint_errors_total', { endpoint: ep.name, reason: unsent ? 'connect' : 'closed' });
          // Warned when an outage starts; while it lasts each request's own line (502 or the
          // endpoint that answered) and llm_upstream_retries_total tell the rest.
          const log = pool.markDown(ep) ? deps.logger.warn : deps.logger.debug;
          const what = unsent ? 'upstream connect failed' : 'upstream closed the connection before answering';
          log.call(deps.logger, { request_id: req.requestId, endpoint: ep.name, err: err.message }, `${what}; trying next endpoint`);
        }
      }
      return undefined;
    }, CLIENT);
  } catch (err) {
    idle.dispose();
    if (req.signal?.aborted) return { error: { status: 499, reason: 'cancellation', message: 'The client closed the request.', type: 'api_error', code: 'client_closed_request' } };
    if (err instanceof UpstreamTimeoutError) {
      // Counted for the endpoint (which one hangs), not marked down: a long non-streamed generation
      // sends its head only at the end, so a slow answer is not a sick endpoint.
      if (tried) deps.metrics.inc('llm_upstream_endpoint_errors_total', { endpoint: tried, reason: 'timeout' });
      return { error: { status: 504, reason: 'timeout', message: 'The upstream did not answer in time.', type: 'timeout_error', code: 'upstream_timeout' } };
    }
    if (err instanceof UpstreamDroppedError) {
      // The endpoint failed (tried last for down_ms, said once per outage), but this request stays
      // where it went: the upstream read it and may be generating.
      const ep = req.candidates.find((e) => e.name === tried);
      deps.metrics.inc('llm_upstream_endpoint_errors_total', { endpoint: tried ?? 'unknown', reason: 'closed' });
      const log = ep && pool.markDown(ep) ? deps.logger.warn : deps.logger.debug;
      log.call(deps.logger, { request_id: req.requestId, endpoint: tried, err: err.message }, 'upstream closed the connection before answering; request not sent again');
      return { error: { status: 502, reason: 'upstream_error', message: 'The upstream closed the connection before answering. The request was not sent again, as the upstream may have started on it.', type: 'upstream_error', code: 'upstream_connection_closed' } };
    }
    // Why, for the operator (a malformed answer, a header undici refused to send); the client gets no detail.
    const e = err as { message?: string; code?: string } | undefined;
    deps.logger.warn({ request_id: req.requestId, endpoint: tried, err: e?.message ?? String(err), code: e?.code }, 'upstream request failed');
    return { error: { status: 502, reason: 'upstream_error', message: 'The upstream request failed.', type: 'upstream_error', code: 'upstream_error' } };
  }
  if (!res) {
    idle.dispose();
    // Some endpoint took the connection and closed it unanswered: saying none accepted it would send
    // the operator after a refusing port or a DNS name. Same code as a dropped POST.
    if (dropped) return { error: { status: 502, reason: 'upstream_error', message: 'The upstream closed the connection before answering, on every endpoint tried.', type: 'upstream_error', code: 'upstream_connection_closed' } };
    return { error: { status: 502, reason: 'upstream_unavailable', message: 'No upstream endpoint accepted the connection.', type: 'upstream_error', code: 'upstream_unavailable' } };
  }
  return { res, endpoint: used! };
}
