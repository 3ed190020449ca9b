// Envoy's body modes that take answers of their own. FULL_DUPLEX_STREAMED (the Gateway API Inference
// Extension's endpoint picker runs on it): Envoy sends the body chunks without waiting for answers, and
// a body answer must carry a streamed_response (the bytes to send on, and whether they end the body); a
// CommonResponse with body/clear_body is not one. The server may hold chunks and answer later, and Envoy
// holds the request headers until their answer comes, so a header mutation decided on the body (the
// selected model, the destination endpoint) still applies: the headers' answer is kept back and sent,
// with the body's header mutation merged into it, just before the body's first answer. The exchange
// decides as in the other modes; FullDuplexReplies turns its answers into full-duplex ones.
// GRPC (a gRPC stream's messages, one by one) is no form a chat body or answer comes in: refused (refuseGrpc).
import type { Logger } from '../../../src/observability/types.ts';
import type { HeaderMutation, ProcessingRequest, ProcessingResponse } from './wire.ts';

/** One answer, several in order (full duplex: the kept-back headers' answer, then the body's), or the stream's end. */
export type Replies = ProcessingResponse | ProcessingResponse[] | 'end' | 'fail' | undefined;

export type BodyKind = 'request_body' | 'response_body';

const EMPTY = new Uint8Array(0);

export function isFullDuplex(mode: string | undefined): boolean {
  return mode === 'FULL_DUPLEX_STREAMED';
}

/**
 * The full-duplex form of a body answer for the chunk `part` (`end`: Envoy's end_of_stream): as it came
 * (no mutation), replaced (body), held (clear_body: no answer yet, or an empty end). Answers that are no
 * body answer (an immediate response) go as they are. A body longer than `maxPiece` (what one gRPC
 * message carries, less room for the rest) goes in several streamed_responses, the last one ending it:
 * the whole body held is sent at once, and one message over the limit failed the stream.
 */
export function streamedBody(kind: BodyKind, reply: ProcessingResponse, part: Uint8Array | undefined, end: boolean, eos = end, maxPiece = Number.POSITIVE_INFINITY): ProcessingResponse[] | undefined {
  const common = reply[kind]?.response;
  if (!common) return [reply];
  const m = common.body_mutation;
  if (m?.clear_body && !end) return undefined;
  const body = m?.body ?? (m?.clear_body ? EMPTY : (part ?? EMPTY));
  const out: ProcessingResponse[] = [];
  for (let at = 0; at === 0 || at < body.byteLength; at += maxPiece) {
    const piece = body.byteLength <= maxPiece ? body : body.subarray(at, at + maxPiece);
    const last = at + maxPiece >= body.byteLength;
    out.push({ [kind]: { response: { status: 'CONTINUE', body_mutation: { streamed_response: { body: piece, end_of_stream: last && eos } } } } });
  }
  return out;
}

/** The request headers' answer kept back, with the body answer's header mutation (and route cache clearing) merged in. */
export function withBodyHeaders(headers: ProcessingResponse, body: ProcessingResponse): ProcessingResponse {
  const h = headers.request_headers?.response;
  const b = body.request_body?.response;
  if (!h || !b) return headers;
  const merged: HeaderMutation = {
    set_headers: [...(h.header_mutation?.set_headers ?? []), ...(b.header_mutation?.set_headers ?? [])],
    remove_headers: [...(h.header_mutation?.remove_headers ?? []), ...(b.header_mutation?.remove_headers ?? [])],
  };
  return { request_headers: { response: { ...h, header_mutation: merged, clear_route_cache: !!(h.clear_route_cache || b.clear_route_cache) } } };
}

/**
 * The exchange's answers in full-duplex form where a body mode is FULL_DUPLEX_STREAMED, as they are
 * elsewhere. No mode_override goes with them there: the modes are the filter's (Envoy does not change
 * a full-duplex mode mid-stream).
 */
export class FullDuplexReplies {
  private held: ProcessingResponse | undefined;

  /** `maxPiece`: the most body bytes one answer carries (streamedBody). */
  constructor(
    private readonly modes: () => { request_body_mode?: string; response_body_mode?: string } | undefined,
    private readonly maxPiece = Number.POSITIVE_INFINITY,
  ) {}

  /** `readsBody`: the request's body is read before it goes on (a chat or guarded generation route). */
  adapt(msg: ProcessingRequest, reply: Replies, readsBody: boolean): Replies {
    const m = this.modes();
    const request = isFullDuplex(m?.request_body_mode);
    const response = isFullDuplex(m?.response_body_mode);
    if (!request && !response) return reply;
    if (reply === undefined || typeof reply === 'string' || Array.isArray(reply)) return reply;
    delete reply.mode_override;
    if (msg.request === 'request_headers' && request && readsBody && !msg.request_headers?.end_of_stream && reply.request_headers) {
      this.held = reply; // sent with the body's first answer
      return undefined;
    }
    if (msg.request === 'request_body' && request) {
      if (!reply.request_body) {
        this.held = undefined; // an immediate response: the headers' answer is not needed
        return reply;
      }
      const end = msg.request_body?.end_of_stream === true;
      const out = streamedBody('request_body', reply, msg.request_body?.body, end, end, this.maxPiece);
      if (!out || !this.held) return out;
      const headers = withBodyHeaders(this.held, reply);
      this.held = undefined;
      return [headers, ...out];
    }
    if (msg.request === 'response_body' && response) {
      const end = msg.response_body?.end_of_stream === true;
      return streamedBody('response_body', reply, msg.response_body?.body, end, end, this.maxPiece);
    }
    return reply;
  }

  /**
   * A held body that ends in trailers (no end_of_stream came): `body` is the exchange's answer to it as
   * a whole. The request headers' answer if kept back, the body (not ending the stream: the trailers
   * do), then the trailers' answer; an immediate response alone.
   */
  atTrailers(body: Replies, trailers: ProcessingResponse, kind: BodyKind = 'request_body'): Replies {
    if (body === undefined || typeof body === 'string' || Array.isArray(body)) return body ?? trailers;
    if (!body[kind]) {
      this.held = undefined;
      return body;
    }
    const out = streamedBody(kind, body, undefined, true, false, this.maxPiece)!;
    const headers = this.held && withBodyHeaders(this.held, body);
    this.held = undefined;
    return headers ? [headers, ...out, trailers] : [...out, trailers];
  }
}

const told = new WeakMap<Logger, Set<string>>();

/**
 * GRPC (a gRPC stream's messages, answered only with streamed_response) where ext_proc must read the body:
 * request_body_mode on a chat or generation route, response_body_mode on a chat route (its answer is read
 * for the PII restore, the cache and the token metrics). The stream fails (gRPC INTERNAL), so Envoy's
 * failure_mode_allow decides, as when semroute cannot be reached; logged once per logger and setting (a
 * config generation: the filter's setting is the cause), counted per request (outcome unsupported_mode).
 */
export function refuseGrpc(logger: Logger, count: (outcome: string) => void, setting: 'request_body_mode' | 'response_body_mode' = 'request_body_mode'): 'fail' {
  count('unsupported_mode');
  const said = told.get(logger) ?? new Set<string>();
  told.set(logger, said);
  if (!said.has(setting)) {
    said.add(setting);
    const what = setting === 'request_body_mode' ? 'the chat and generation routes ext_proc reads' : 'chat, whose answers ext_proc reads';
    logger.error({ [setting]: 'GRPC' }, `ext_proc: ${setting} GRPC is not supported for ${what}; use BUFFERED (or STREAMED, FULL_DUPLEX_STREAMED). Such requests end the stream with INTERNAL (Envoy failure_mode_allow decides)`);
  }
  return 'fail';
}
