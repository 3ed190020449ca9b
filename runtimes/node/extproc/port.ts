// What the ext_proc door needs from the pipeline, and nothing more. pipeline-adapter.ts implements it
// with the same src/pipeline functions the HTTP gateway calls, so no stage logic lives here.
import type { ImmediateResponse, ResponseTap } from '../../../src/pipeline/context.ts';
import type { AnswerMeter } from './answer-meter.ts';
import type { GenerationMeter } from './generation-meter.ts';

export interface ChatInput {
  /** Request headers as Envoy sent them (lower-cased; pseudo-headers such as :path included). */
  headers: Record<string, string>;
  /** The buffered request body, exactly as the client sent it. */
  body: Uint8Array;
  signal?: AbortSignal;
  /**
   * The answer's body will come back to ext_proc (stream-usage.ts): a streaming client that did not
   * ask for usage may have it asked for upstream, to be taken out of its stream again.
   */
  askUsage?: boolean;
  /**
   * Only a part of the body reached ext_proc (BUFFERED_PARTIAL past Envoy's buffer): the rest goes
   * upstream unread. Refused (413) while a guard is on, else passed on unread.
   */
  incomplete?: boolean;
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
      /** Accounting of the upstream answer (metrics, the request's log line, its span), fed from Envoy's response messages. */
      meter?: AnswerMeter;
      /** traceparent / tracestate naming the upstream span, set on the forwarded request (empty without tracing). */
      traceHeaders?: Record<string, string>;
      /** `body` asks for the stream's usage the client did not ask for: take it out of the answer. */
      stripUsage?: boolean;
      /** The request's n (1 when absent): a streamed answer is whole when each choice finished. */
      choices?: number;
      /** The client asked for a stream (`stream`, or Accept: text/event-stream); false: it expects JSON (stream-answer.ts). */
      streams?: boolean;
    }
  /** Not a chat body we can read (bad JSON, no messages): let Envoy pass it on untouched (fail-open). */
  | { kind: 'pass'; reason: string };

/** What the guards of a passed-through generation route decided (src/api/passthrough-guard.ts). */
export interface GenerationOutcome {
  /** An answer instead of the upstream's (blocked, unreadable, denied PII type). */
  response?: ImmediateResponse;
  /** Headers for the upstream's answer (x-vsr-jailbreak-flagged, x-vsr-guard-partial). */
  headers: Record<string, string>;
  /** The request went on: its answer, accounted as the gateway's passthrough accounts it (generation-meter.ts). */
  meter?: GenerationMeter;
  /** The body's n: a completions stream is whole when each choice finished. */
  choices?: number;
  /** traceparent / tracestate naming the upstream span, set on the forwarded request (empty without tracing). */
  traceHeaders?: Record<string, string>;
  /** The body to send instead (a streamed completion's usage asked for), and the usage to take out of its answer. */
  body?: Uint8Array;
  stripUsage?: boolean;
}

export interface ExtProcPipeline {
  chat(input: ChatInput): Promise<ChatOutcome>;
  /**
   * The generation route (/v1/completions, /v1/responses, /v1/messages) an engine path is, when a
   * guard would read its body; undefined for any other path, or with no guard on.
   */
  generationRoute?(path: string): string | undefined;
  /** The guards of that route on its buffered body; the body itself goes on unchanged. */
  generation?(input: ChatInput & { route: string }): Promise<GenerationOutcome>;
  /** The `GET /v1/models` answer (auto names, then configured models); with `id`, `GET /v1/models/{id}`'s. */
  models(id?: string): ImmediateResponse | Promise<ImmediateResponse>;
}
