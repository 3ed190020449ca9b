// Trailers, for exchange.ts. They end a body whose last chunk had no end_of_stream: in full duplex what
// is still held (a request body not judged, a JSON answer, part of an event) is judged and goes before
// them; in the other modes no answer can carry held bytes after them (a held JSON body went on with the
// chunk that ended its document, held-body.ts: what is still held never became one), so a request
// body's refusal is sent and otherwise its loss is said.
import type { Logger } from '../../../src/observability/types.ts';
import { isFullDuplex, type FullDuplexReplies, type Replies } from './body-modes.ts';
import type { StreamReader } from './stream-coded.ts';
import { continueTrailers } from './wire.ts';

export interface TrailersState {
  modes?: { request_body_mode?: string; response_body_mode?: string };
  /** A chat or generation request body not judged yet. */
  requestUnjudged: boolean;
  /** Its chunks were held (answered clear_body). */
  requestHeld: boolean;
  /** The held request body cannot follow the trailers: the answer to send instead. */
  unsent(): Replies;
  /**
   * The answer is read here: the request went upstream through the chat pipeline, or its answer is an
   * error being rewritten (error-answer.ts), a generation route's too, whose held chunks must go too.
   */
  answerRead: boolean;
  /** STREAMED JSON answer chunks held (answered clear_body) and not judged. */
  jsonHeld: boolean;
  /** A chat event stream read here (stream-reply.ts). */
  streamed?: StreamReader;
  requestId?: string;
  /** The request body's end, as a last chunk with end_of_stream. */
  endRequestBody(): Promise<Replies>;
  /** The answer's end, as a last chunk with end_of_stream. */
  endResponseBody(): Promise<Replies>;
  /** The held JSON chunks cannot be sent (logged here): the answer is accounted as ended. */
  lostJson(): void;
}

export function onTrailers(kind: 'request_trailers' | 'response_trailers', s: TrailersState, duplex: FullDuplexReplies, logger: Logger): Replies | Promise<Replies> {
  if (kind === 'request_trailers') {
    // Full duplex: the trailers end a body still held (its last chunk had no end_of_stream).
    if (isFullDuplex(s.modes?.request_body_mode) && s.requestUnjudged) {
      return s.endRequestBody().then((r) => duplex.atTrailers(r, continueTrailers('request_trailers')));
    }
    // STREAMED: held chunks that never completed a JSON document (held-body.ts). A refusal of them can
    // still be sent; a body to go on cannot (a trailers answer carries none), and sent empty it is not the body.
    if (s.requestUnjudged && s.requestHeld) {
      return s.endRequestBody().then((r) => (r === 'fail' || (typeof r === 'object' && !Array.isArray(r) && r.immediate_response) ? r : s.unsent()));
    }
    return continueTrailers(kind);
  }
  // Full duplex: what is still held (a JSON answer, part of an event) can go before the trailers
  // (a generation route's stream too: it has a reader, s.streamed, though not forwarded by chat).
  if (isFullDuplex(s.modes?.response_body_mode) && (s.answerRead || s.streamed)) {
    return s.endResponseBody().then((r) => duplex.atTrailers(r, continueTrailers('response_trailers'), 'response_body'));
  }
  if (s.jsonHeld) {
    logger.error({ request_id: s.requestId }, 'ext_proc: a JSON answer ended in trailers after STREAMED chunks ext_proc held; they could not be sent (use response_body_mode BUFFERED)');
    s.lostJson();
  }
  // (A compressed stream's end is decoded first: a promise.)
  const ended = s.streamed?.endAtTrailers((bytes) => logger.warn({ request_id: s.requestId, bytes }, 'ext_proc: an answer ended in trailers while part of it was held; that part could not be sent'));
  return ended instanceof Promise ? ended.then(() => continueTrailers(kind)) : continueTrailers(kind);
}
