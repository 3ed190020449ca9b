// A passed-through generation route's body (/v1/completions, /v1/responses, /v1/messages) and its
// answer's head, for exchange.ts: the guards read the body (generation-guard.ts, through the port) and
// answer a refusal themselves; what passes goes on as the client sent it, and its answer's body is not
// read (its head's status is counted).
import type { Logger } from '../../../src/observability/types.ts';
import { errorName } from '../../../src/pipeline/done-taps.ts';
import type { ChatInput, ExtProcPipeline } from './port.ts';
import { continueResponseHeaders, headerMutation, immediateResponse, type ProcessingResponse } from './wire.ts';

/** The body goes on, with headers for its answer. */
export interface GenerationPass {
  pass: true;
  /** For its answer: x-vsr-jailbreak-flagged, x-vsr-guard-partial. */
  headers?: Record<string, string>;
  /** Accounts the answer at its head (GenerationOutcome.answered). */
  answered?(status: number): void;
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
  return { pass: true, headers: Object.keys(outcome.headers).length ? outcome.headers : undefined, answered: outcome.answered };
}

/**
 * The head of an answer the chat pipeline did not forward: a generation route's is accounted (its error
 * status counted), action: flag (or a partial scan) is said on it, as the gateway does, and nothing
 * else is changed.
 */
export function unreadAnswerHead(generate: boolean, passed: GenerationPass | undefined, status: number, endOfStream: boolean): ProcessingResponse {
  passed?.answered?.(status);
  const res = continueResponseHeaders(passed?.headers && headerMutation(passed.headers));
  // Its answer is not ours to read: a streamed completion must not wait in Envoy's buffer.
  // (Overridden here, at response headers: at request headers an override would also replace request_body_mode.)
  if (generate && !endOfStream) res.mode_override = { response_body_mode: 'NONE' };
  return res;
}
