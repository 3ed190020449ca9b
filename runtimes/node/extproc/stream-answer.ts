// A request without `stream` answered 200 with an event stream (an engine or proxy that streams whatever
// was asked): the gateway assembles the chat.completion the JSON client expects (5b751f7,
// src/upstream/json-from-stream.ts). Behind Envoy this can be done only where the answer's body is
// replaced whole with its headers: BUFFERED response mode (Envoy's, or asked for by mode_override). In
// STREAMED mode the head (content-type: text/event-stream) has gone to the client before the body is
// read, so the events pass on as they came (README, ext_proc).
import type { ImmediateResponse } from '../../../src/pipeline/context.ts';
import type { RequestErrorReason } from '../../../src/observability/label-values.ts';
import { errorBody } from '../../../src/pipeline/errors.ts';
import { upstreamError } from '../../../src/upstream/errors.ts';
import { completionFromStream } from '../../../src/upstream/json-from-stream.ts';

const utf8 = new TextDecoder();

/** The completion the events carry, or the gateway's 502 when they are the upstream's error or no whole answer. */
export function answerFromStream(body: Uint8Array, requestId: string): { completion: Record<string, unknown> } | { response: ImmediateResponse & { reason: RequestErrorReason } } {
  const r = completionFromStream(utf8.decode(body));
  if ('completion' in r) return r;
  // As the gateway counts them (forward.ts): the upstream's own failure, or a stream that is no answer.
  const reason: RequestErrorReason = 'error' in r ? 'upstream_5xx' : 'upstream_error';
  const text = 'error' in r
    ? upstreamError(502, JSON.stringify(r.error))
    : errorBody(`The upstream answered with an event stream that is no whole chat completion: ${r.incomplete}.`, 'upstream_error', 'upstream_stream_incomplete');
  return { response: { status: 502, headers: { 'x-request-id': requestId }, contentType: 'application/json', body: text, reason } };
}
