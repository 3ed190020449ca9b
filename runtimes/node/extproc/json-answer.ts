// A JSON chat answer ext_proc read whole (held-body.ts), as the gateway reads one (upstream/forward.ts):
// its usage counted (the meter), the json taps run over it (PII restore), the done taps started (the
// cache store), and what goes on in its place. Also an event stream answered to a client that asked
// for JSON, assembled into one (stream-answer.ts), and an answer whose head Envoy skipped, its status
// then read from what it is (skipped-head.ts). Split out of exchange.ts.
// What goes on in one answer must fit one gRPC message (extproc.max_message_bytes): a STREAMED answer is
// held only up to half of it (heldAnswerBound), so that the answer letting it go (held chunks plus the
// current one) fits; past that, or when the taps' rewrite would not fit, it goes on as it came, unread
// (said in a warning). Sent over the limit, the answer failed the stream (RESOURCE_EXHAUSTED) and the
// held chunks were lost.
import type { DoneAnswer } from '../../../src/pipeline/context.ts';
import type { Logger, Metrics } from '../../../src/observability/types.ts';
import type { ChatOutcome } from './port.ts';
import { statusOfJson } from './skipped-head.ts';
import { answerFromStream } from './stream-answer.ts';
import { continueResponseBody, headerMutation, immediateResponse, type ProcessingResponse } from './wire.ts';

type Forward = Extract<ChatOutcome, { kind: 'forward' }>;

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

export interface JsonAnswer {
  forwarded: Forward;
  /** The whole body. */
  body: Uint8Array;
  /** Earlier chunks were answered clear_body: the body goes on with this answer even unchanged. */
  held: boolean;
  /** The body is an event stream to assemble into a chat.completion. */
  assembling: boolean;
  /** The head was not sent (response_header_mode SKIP): the status is read from the body. */
  guessed: boolean;
  /**
   * The head has gone on as it came (skipped, body not BUFFERED): a declared content-length may stand,
   * so a rewrite must keep the length: a shorter one is padded with spaces (JSON allows them after the
   * value), a longer one is not sent (the answer goes on as it came, warned).
   */
  sameLength?: boolean;
  status: number;
  runDoneTaps(answer: DoneAnswer): Promise<void>;
  maxMessageBytes: number;
  logger: Logger;
}

// Room in one message for what is not the body (the header mutation, the framing).
export const REPLY_ROOM = 1024;

/** How much of a STREAMED JSON answer is held to read it whole. */
export function heldAnswerBound(maxMessageBytes: number): number {
  return Math.floor(maxMessageBytes / 2);
}

/** The held chunks, past heldAnswerBound, go on as they came with this one; the rest passes unread. */
export function outgrown(forwarded: Forward, held: Uint8Array, wasHeld: boolean, opts: { logger: Logger; metrics: Metrics; maxMessageBytes: number }): ProcessingResponse {
  opts.logger.warn({ request_id: forwarded.requestId, max_message_bytes: opts.maxMessageBytes }, 'ext_proc: a JSON answer outgrew what one gRPC message carries; passed on unread (no PII restore, no cache store, no usage)');
  opts.metrics.inc('llm_stream_rewrite_stopped_total', { reason: 'answer_too_large' });
  return wasHeld ? continueResponseBody({ body_mutation: { body: held } }) : continueResponseBody();
}

export async function judgeJsonAnswer(a: JsonAnswer): Promise<ProcessingResponse> {
  const { forwarded, body: bytes, assembling } = a;
  const asItCame = () => (a.held ? continueResponseBody({ body_mutation: { body: bytes } }) : continueResponseBody());
  let completion: Record<string, unknown>;
  const assembled = assembling ? answerFromStream(bytes, forwarded.requestId) : undefined;
  if (assembled && 'response' in assembled) {
    forwarded.meter?.replaced(502, assembled.response.reason); // the gateway's 502
    return immediateResponse(assembled.response);
  }
  try {
    completion = assembled ? assembled.completion : (JSON.parse(utf8.decode(bytes)) as Record<string, unknown>);
  } catch {
    if (a.guessed) forwarded.meter?.head(0, false);
    forwarded.meter?.end();
    return asItCame();
  }
  if (a.guessed) {
    const status = statusOfJson(completion);
    forwarded.meter?.head(status, false);
    if (status !== 200) {
      forwarded.meter?.end();
      return asItCame();
    }
  }
  forwarded.meter?.end(completion?.usage);
  let changed = assembling;
  for (const tap of forwarded.taps) {
    if (!tap.json) continue;
    const next = tap.json(completion);
    if (next !== completion) changed = true;
    completion = next;
  }
  await a.runDoneTaps({ status: a.status, completion });
  if (!changed) return asItCame();
  let body: Uint8Array = encoder.encode(JSON.stringify(completion));
  if (a.sameLength && body.byteLength > bytes.byteLength) {
    a.logger.warn({ request_id: forwarded.requestId }, 'ext_proc: a rewritten JSON answer is longer than the length its head (not sent to ext_proc: response_header_mode SKIP) may declare; passed on as it came (unrestored)');
    return asItCame();
  }
  if (a.sameLength && body.byteLength < bytes.byteLength) body = padded(body, bytes.byteLength);
  if (body.byteLength > a.maxMessageBytes - REPLY_ROOM) {
    a.logger.warn({ request_id: forwarded.requestId, max_message_bytes: a.maxMessageBytes }, 'ext_proc: a rewritten JSON answer outgrew what one gRPC message carries; passed on as it came (unrestored)');
    return asItCame();
  }
  return continueResponseBody({
    header_mutation: headerMutation({ 'content-length': String(body.length), ...(assembling ? { 'content-type': 'application/json' } : {}) }),
    body_mutation: { body },
  });
}

/** `body` followed by spaces up to `length` bytes. */
function padded(body: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0x20);
  out.set(body);
  return out;
}
