// A chat request body ext_proc read whole, judged by the pipeline (through the port), for exchange.ts:
// a refusal or other answer of its own, the body passed on as sent (one the pipeline cannot read, with
// no guard on), or the rewritten body to forward. Split out of exchange.ts, which keeps what was forwarded.
import type { Logger } from '../../../src/observability/types.ts';
import { errorName } from '../../../src/pipeline/done-taps.ts';
import type { Replies } from './body-modes.ts';
import type { ChatInput, ChatOutcome, ExtProcPipeline } from './port.ts';
import { unsendableBody } from './request-head.ts';
import { immediateResponse } from './wire.ts';

type Forward = Extract<ChatOutcome, { kind: 'forward' }>;

/** An answer to send now, the body to pass on as sent, or the request to forward. */
export type ChatStep = { reply: Replies } | { pass: true } | { forward: Forward };

export interface ChatBodyOptions {
  logger: Logger;
  count(outcome: string): void;
  /** The gRPC message limit: a rewritten body must fit the one answer that carries it (not in full duplex). */
  maxMessageBytes: number;
  fullDuplex: boolean;
}

export async function judgeChat(pipeline: ExtProcPipeline, input: ChatInput, o: ChatBodyOptions): Promise<ChatStep> {
  let outcome: ChatOutcome;
  try {
    outcome = await pipeline.chat(input);
  } catch (err) {
    // Not a decision (a guard's own failure is one, by its on_error): the operator's failure_mode_allow
    // says whether such a request goes on unchecked or is refused, so the stream fails.
    o.logger.error({ err: errorName(err) }, 'ext_proc: pipeline failed; stream ends with INTERNAL (Envoy failure_mode_allow decides)');
    o.count('error');
    return { reply: 'fail' };
  }
  if (outcome.kind === 'pass') {
    o.count('pass');
    return { pass: true };
  }
  if (outcome.kind === 'respond') {
    o.count('respond');
    return { reply: immediateResponse(outcome.response) };
  }
  // The rewritten body (a system prompt added) must fit the one answer that carries it.
  if (outcome.body.byteLength > o.maxMessageBytes - 1024 && !o.fullDuplex) {
    outcome.meter?.replaced(413, 'parse_error'); // as the gateway counts a body past its limit
    o.count('respond');
    return { reply: unsendableBody(input.headers, o.maxMessageBytes, o.logger) };
  }
  o.count('forward');
  return { forward: outcome };
}
