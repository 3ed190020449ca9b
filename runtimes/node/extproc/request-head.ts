// The request headers Envoy sends first: which route the request is (chat, a guarded generation route,
// the models list, anything else), the answer to them, and what a client may not send on (the headers
// only semroute sets). Split out of exchange.ts, which keeps the route for the messages that follow.
import type { ExtProcPipeline } from './port.ts';
import { refuseGrpc, type Replies } from './body-modes.ts';
import { ownedHeaders } from './forward-headers.ts';
import { enginePath, modelIdOf, routeOf, type Route } from './routes.ts';
import { wrongMethod } from './wrong-method.ts';
import { continueRequestHeaders, decodeHeaders, headerMutation, immediateResponse, type ProcessingRequest } from './wire.ts';
import type { Logger, Metrics } from '../../../src/observability/types.ts';
import { requestIdFrom } from '../../../src/api/openai.ts';
import { errorBody } from '../../../src/pipeline/errors.ts';

export interface RequestHead {
  headers: Record<string, string>;
  route: Route;
  /** The generation route a guard reads (pipeline.generationRoute), when `route` is 'generate'. */
  generation?: string;
  reply: Replies;
}

export interface RequestHeadOptions {
  destinationHeader: string;
  clearRouteCache: boolean;
  logger: Logger;
  /** Envoy's request_body_mode, when it says it. */
  bodyMode?: string;
  /** Envoy's response_body_mode, when it says it. */
  responseBodyMode?: string;
  count(outcome: string): void;
}

export async function readRequestHead(msg: ProcessingRequest, pipeline: ExtProcPipeline, opts: RequestHeadOptions): Promise<RequestHead> {
  const headers = decodeHeaders(msg.request_headers?.headers);
  let route = routeOf(headers[':method'] ?? '', headers[':path'] ?? '');
  let generation: string | undefined;
  if (route === 'other' && headers[':method'] === 'POST') {
    // The HTTP gateway guards these routes' texts (passthrough-guard.ts); so does this door.
    generation = pipeline.generationRoute?.(enginePath(headers[':path'] ?? ''));
    if (generation) route = 'generate';
  }
  const refused = route === 'other' ? wrongMethod(headers) : undefined;
  if (refused) {
    opts.count('respond');
    return { headers, route, reply: refused };
  }
  if (route === 'models') {
    const id = modelIdOf(headers[':path'] ?? '');
    const answer = await pipeline.models(id);
    // An id semroute does not list goes on to the engine, as the reference's ExtProc lets every
    // /v1/models/{id} through: the engine may serve models (adapters) the config does not name.
    if (id === undefined || answer.status !== 404) {
      opts.count('models');
      return { headers, route, reply: immediateResponse(answer) };
    }
    route = 'other';
  }
  const owned = ownedHeaders(headers, route === 'chat', opts.destinationHeader);
  const drop = owned.length ? headerMutation({}, owned) : undefined;
  // Routes picked on the removed headers are picked again (when the operator routes on them).
  const clear = !!drop && opts.clearRouteCache;
  if (route === 'other') {
    opts.count('other');
    // Not ours: ask Envoy (when allow_mode_override is on) not to buffer this body or send us the response.
    return { headers, route, reply: continueRequestHeaders(drop, { request_body_mode: 'NONE', response_header_mode: 'SKIP', response_body_mode: 'NONE' }, clear) };
  }
  // A POST without a body: the exchange judges it as the empty body it is (and counts it).
  if (msg.request_headers?.end_of_stream) return { headers, route, generation, reply: continueRequestHeaders(drop, undefined, clear) };
  if (opts.bodyMode === 'GRPC') return { headers, route, generation, reply: refuseGrpc(opts.logger, opts.count) };
  // Refused before the request is routed: its answer could be neither read nor answered (body-modes.ts).
  // (With request_body_mode NONE nothing is routed, so its answer is not read: not refused.)
  if (route === 'chat' && opts.responseBodyMode === 'GRPC' && opts.bodyMode !== 'NONE') return { headers, route, reply: refuseGrpc(opts.logger, opts.count, 'response_body_mode') };
  return { headers, route, generation, reply: continueRequestHeaders(drop, undefined, clear) };
}

/**
 * A request body Envoy sends in chunks that each got clear_body goes on whole with the last answer, in
 * one gRPC message: past `max` (extproc.max_message_bytes, less room for the rest) it cannot, and sent
 * anyway the answer failed the stream (RESOURCE_EXHAUSTED: the held chunks lost, Envoy's
 * failure_mode_allow deciding). Refused as the gateway refuses a body past its limit (413
 * request_too_large), said in a warning naming the settings; reached only when server.max_body_bytes
 * is above max_message_bytes. With `metrics` (no request was read, so none counted yet), counted as the
 * gateway counts a body past its limit: a request and a parse_error, no model read.
 */
export function unsendableBody(headers: Record<string, string>, max: number, logger: Logger, metrics?: Metrics): ReturnType<typeof immediateResponse> {
  metrics?.inc('llm_model_requests_total', { model: 'unknown' });
  metrics?.inc('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' });
  const requestId = requestIdFrom(headers['x-request-id']);
  logger.warn({ request_id: requestId, max_message_bytes: max }, 'ext_proc: a request body held in chunks outgrew what one gRPC answer carries; refused 413 (keep server.max_body_bytes below extproc.max_message_bytes)');
  const message = `The request body is larger than ${max - 1024} bytes, the most ext_proc can send on in one message.`;
  return immediateResponse({ status: 413, headers: { 'x-request-id': requestId }, contentType: 'application/json', body: errorBody(message, 'invalid_request_error', 'request_too_large'), reason: 'request_too_large' });
}
