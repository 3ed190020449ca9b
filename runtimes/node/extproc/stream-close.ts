// What Envoy closing an ext_proc stream means for its request. Envoy closes every stream the same way,
// a half-close then a reset (client_impl.cc close()), and grpc-js fires `cancelled` on each, whether
// the request is done or its client left: the close alone tells nothing. What tells is what the
// exchange still waited for. An answer whose end Envoy would have sent (a body mode that sends it) and
// that had not ended: the client left, a cancellation. A request whose decision went out and that asked
// Envoy for nothing more (response_body_mode NONE, no override honoured, no head seen: with
// response_header_mode SKIP nothing comes after the decision) is complete: accounted as an answer that
// went by unseen, not counted as cancelled. The same close comes when response headers are SEND and the
// client left before the head: protocol_config names the body modes, not the header modes, so the two
// cannot be told apart, and both are read as complete (README, ext_proc; with NONE a client leaving
// after the head is not seen either). A routed request closed before its decision went out (its
// body not yet read, or still being judged): the client left; counted as the gateway counts a client
// gone before its request was read (a request and a cancellation under the unknown model).
import type { Logger, Metrics } from '../../../src/observability/types.ts';
import { requestIdFrom } from '../../../src/api/openai.ts';
import type { AnswerMeter } from './answer-meter.ts';
import type { Replies } from './body-modes.ts';

export interface CloseState {
  /** The forwarded answer's meter, once the decision went out (chat forwarded, a generation route passed). */
  meter?: AnswerMeter;
  /**
   * A routed request (chat or a generation route) whose body's judgement has not gone out, nor any answer
   * of ours, and whose body was due (Envoy said a body mode that sends it, or part of it came): with
   * request_body_mode NONE, or an Envoy that says no mode and sent none, the headers were all there was.
   */
  undecided: boolean;
  /** Nothing more asked of Envoy after the decision: no body comes back, and no head came. */
  nothingMore: boolean;
  /** The request's headers (its x-request-id). */
  headers: Record<string, string>;
}

export function onStreamClose(s: CloseState, { metrics, logger }: { metrics: Metrics; logger: Logger }): void {
  if (s.meter) {
    if (s.nothingMore) s.meter.unseen();
    else s.meter.cancel();
    return;
  }
  if (!s.undecided) return;
  metrics.inc('llm_model_requests_total', { model: 'unknown' });
  metrics.inc('llm_request_errors_total', { model: 'unknown', reason: 'cancellation' });
  logger.info({ request_id: requestIdFrom(s.headers['x-request-id']), status: 499, error: 'client_closed_request' }, 'request cancelled');
}

/** A reply after which the request is settled: an answer of ours (immediate_response), or the stream ended either way. */
export function isFinal(reply: Replies): boolean {
  return reply === 'end' || reply === 'fail' || (typeof reply === 'object' && !Array.isArray(reply) && !!reply.immediate_response);
}
