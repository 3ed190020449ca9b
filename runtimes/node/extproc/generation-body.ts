// A passed-through generation route's body (/v1/completions, /v1/responses, /v1/messages) and its
// answer's head, for exchange.ts: the guards read the body (generation-guard.ts, through the port) and
// answer a refusal themselves; what passes goes on as the client sent it, and its answer is accounted
// as the gateway accounts it (generation-meter.ts), read where Envoy sends it. It goes on unchanged,
// except that a completions stream that ends before it is whole gets the cut event.
import type { Logger } from '../../../src/observability/types.ts';
import { errorName } from '../../../src/pipeline/done-taps.ts';
import type { ChatInput, ExtProcPipeline } from './port.ts';
import type { GenerationMeter } from './generation-meter.ts';
import { StreamReply } from './stream-reply.ts';
import { continueResponseHeaders, headerMutation, immediateResponse, type ProcessingResponse } from './wire.ts';

/** The body goes on, with headers for its answer. */
export interface GenerationPass {
  pass: true;
  /** For its answer: x-vsr-jailbreak-flagged, x-vsr-guard-partial. */
  headers?: Record<string, string>;
  /** Accounts its answer (generation-meter.ts). */
  meter?: GenerationMeter;
  /** The body's n. */
  choices?: number;
  /** traceparent naming the upstream call's span, for the forwarded request. */
  traceHeaders?: Record<string, string>;
  /** The body sent instead (usage asked for), and the usage chunk to take out of the answer. */
  body?: Uint8Array;
  stripUsage?: boolean;
}
/** An answer to send now (a refusal, or 'fail'), or the body goes on. */
export type GenerationStep = { reply: ProcessingResponse | 'fail' } | GenerationPass;

export async function judgeGeneration(
  pipeline: ExtProcPipeline,
  input: ChatInput & { route: string },
  logger: Logger,
  count: (outcome: string) => void,
): Promise<GenerationStep> {
  let outcome;
  try {
    outcome = await pipeline.generation!(input);
  } catch (err) {
    // As chat: Envoy's failure_mode_allow decides (the guard's own on_error has already applied).
    logger.error({ err: errorName(err) }, 'ext_proc: guard of a generation route failed; stream ends with INTERNAL (Envoy failure_mode_allow decides)');
    count('error');
    return { reply: 'fail' };
  }
  if (outcome.response) {
    count('respond');
    return { reply: immediateResponse(outcome.response) };
  }
  count('pass');
  return { pass: true, headers: Object.keys(outcome.headers).length ? outcome.headers : undefined, meter: outcome.meter, choices: outcome.choices, traceHeaders: outcome.traceHeaders, body: outcome.body, stripUsage: outcome.stripUsage };
}

export interface UnreadHead {
  /** A generation route (a GenerationPass when its body went on). */
  generate: boolean;
  passed?: GenerationPass;
  status: number;
  headers: Record<string, string>;
  endOfStream: boolean;
  /** Envoy's response_body_mode, when it says it. */
  mode?: string;
  /** Envoy honours mode_override (exchange.ts overrides()). */
  overrides: boolean;
  route?: string;
}

/**
 * The head of an answer the chat pipeline did not forward: a generation route's is accounted (its error
 * status counted), action: flag (or a partial scan) is said on it, as the gateway does, and nothing
 * else is changed. A 2xx generation answer's body is read (not changed) where Envoy sends it, for its
 * tokens and a completions stream's clean end (generation-meter.ts); STREAMED is asked for when Envoy
 * honours it (a long answer then does not wait in Envoy's buffer). `reply` reads its body messages;
 * `whole`: Envoy's BUFFERED sends it in one message.
 */
export function unreadAnswerHead(h: UnreadHead): { res: ProcessingResponse; reply?: StreamReply; whole?: boolean } {
  const meter = h.passed?.meter;
  const type = (h.headers['content-type'] ?? '').toLowerCase();
  const sse = type.includes('text/event-stream');
  // Only JSON and event streams carry a usage (audio from /v1/audio/speech does not): others go by unread.
  meter?.head(h.status, sse);
  const plain = (h.headers['content-encoding'] ?? 'identity').toLowerCase() === 'identity';
  // The usage asked for on the client's behalf is taken out of the stream: its declared length would be wrong.
  const strip = !!h.passed?.stripUsage && sse && plain && h.status >= 200 && h.status < 300 && !h.endOfStream;
  const set = h.passed?.headers ?? {};
  const res = continueResponseHeaders(Object.keys(set).length || strip ? headerMutation(set, strip ? ['content-length'] : []) : undefined);
  if (h.endOfStream) meter?.end();
  if (!h.generate || h.endOfStream) return { res };
  const mode = h.overrides ? 'STREAMED' : h.mode;
  if (!meter || h.status < 200 || h.status >= 300 || !mode || !SENDS.has(mode) || !(sse || type.includes('json'))) {
    meter?.unseen();
    // Its answer is not ours to read: a streamed completion must not wait in Envoy's buffer.
    // (Overridden here, at response headers: at request headers an override would also replace request_body_mode.)
    res.mode_override = { response_body_mode: 'NONE' };
    return { res };
  }
  // With the trailers: a mode_override replaces the whole mode, and an answer that ends in them ends there.
  if (h.overrides) res.mode_override = { response_body_mode: 'STREAMED', response_trailer_mode: 'SEND' };
  // (A compressed answer is not text to read: its end is accounted, nothing read from it.)
  // A completions stream ends as chat's ([DONE] after each choice finished): the gateway checks it, and
  // adds the cut event where no declared length stands. Other answers end where they end.
  const checked = sse && plain && h.route === '/v1/completions';
  const reply = new StreamReply({
    stripUsage: strip,
    mayAdd: checked && (strip || !('content-length' in h.headers)),
    partial: mode === 'BUFFERED_PARTIAL',
    choices: h.passed?.choices ?? 1,
    meter,
    status: h.status,
    done: () => {},
    anyEnd: !checked,
    json: !sse,
    read: plain ? (b) => meter.read(b) : undefined,
  });
  return { res, reply, whole: mode === 'BUFFERED' };
}

// The body modes in which Envoy sends an answer's body (its first part, in BUFFERED_PARTIAL).
const SENDS = new Set(['STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL', 'FULL_DUPLEX_STREAMED']);
