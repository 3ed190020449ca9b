// What the ext_proc door needs from the pipeline, and nothing more. pipeline-adapter.ts implements it
// with the same src/pipeline functions the HTTP gateway calls, so no stage logic lives here.
import type { ImmediateResponse, ResponseTap } from '../../../src/pipeline/context.ts';
import type { AnswerMeter } from './answer-meter.ts';

export interface ChatInput {
  /** Request headers as Envoy sent them (lower-cased; pseudo-headers such as :path included). */
  headers: Record<string, string>;
  /** The buffered request body, exactly as the client sent it. */
  body: Uint8Array;
  signal?: AbortSignal;
}

export type ChatOutcome =
  /** Answer without the upstream: blocks, cache hits, request errors the pipeline answers itself. */
  | { kind: 'respond'; response: ImmediateResponse }
  /** Forward through Envoy with this body and these headers. */
  | {
      kind: 'forward';
      /** Rewritten JSON body (model, system prompt, reasoning fields). */
      body: Uint8Array;
      /** Model the request now asks for (the x-selected-model header). */
      model: string;
      /** host:port of the endpoint the pool picked, for Envoy setups with an ORIGINAL_DST cluster. */
      endpoint?: string;
      requestId: string;
      /** x-vsr-* headers for the client response (also set on the forwarded request). */
      responseHeaders: Record<string, string>;
      /** Watchers of the upstream answer (cache store, PII restore): on a buffered JSON body or a STREAMED SSE one. */
      taps: ResponseTap[];
      /** Accounting of the upstream answer (metrics, the request's log line), fed from Envoy's response messages. */
      meter?: AnswerMeter;
    }
  /** Not a chat body we can read (bad JSON, no messages): let Envoy pass it on untouched (fail-open). */
  | { kind: 'pass'; reason: string };

export interface ExtProcPipeline {
  chat(input: ChatInput): Promise<ChatOutcome>;
  /** The `GET /v1/models` answer (auto names, then configured models). */
  models(): ImmediateResponse | Promise<ImmediateResponse>;
}
