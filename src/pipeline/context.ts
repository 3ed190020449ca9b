// The state one chat request carries through the pipeline stages (see DESIGN.md, "The way a
// request walks"). Every door (HTTP gateway, classification API, ext_proc) builds one of these and
// calls the same stage functions; no stage logic is written twice.
import type { RequestErrorReason } from '../observability/label-values.ts';
import type { CacheKeyScope } from '../cache/types.ts';
import type { PiiEntity } from '../classify/types.ts';
import type { CancelSignal } from '../upstream/types.ts';

export interface ContentPart {
  type: string;
  text?: string;
  [k: string]: unknown;
}

export interface ChatMessage {
  role: string;
  content?: string | ContentPart[] | null;
  [k: string]: unknown;
}

export interface ChatBody {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  [k: string]: unknown;
}

/** Texts extracted once from the messages; classifiers read these, never the raw body. */
export interface RequestTexts {
  /** Text of the latest user message (string content or joined text parts). */
  latestUser: string;
  user: string[];
  system: string[];
  assistant: string[];
  tool: string[];
}

export type ReasonCode =
  | 'auto_routing'
  | 'model_specified'
  | 'pii_policy_alternative_selected'
  | 'low_confidence_default'
  | 'no_category_default';

export interface RoutingDecision {
  /** True when the client asked for an auto name (MoM, auto, vllm-sr/auto). */
  routed: boolean;
  /** Generic category after the mmlu_categories mapping; undefined when none was chosen. */
  category?: string;
  /** Raw classifier label and its confidence. */
  classifierLabel?: string;
  confidence?: number;
  model: string;
  reasoning: boolean;
  reasoningEffort?: string;
  injectedSystemPrompt: boolean;
  reasonCode: ReasonCode;
}

/** An answer the gateway gives without the upstream: blocks, cache hits, /v1/models. */
export interface ImmediateResponse<R extends string = string> {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: string;
  /** Why, for metrics and logs: 'jailbreak_block' | 'pii_policy_denied' | 'cache_hit' | ... (ext_proc's own answers: their code). */
  reason: R;
}

/** A guardrail's refusal: its reason is counted as llm_request_errors_total{reason}, so only a declared one. */
export type RefusalResponse = ImmediateResponse<RequestErrorReason>;

/**
 * Hooks that watch or rewrite the upstream answer (cache store, PII restore, token metrics).
 * The forwarder calls them in order; a tap that needs no chunk-level view leaves `chunk` out so the
 * stream can be passed through without parsing.
 */
export interface ResponseTap {
  name: string;
  /** Non-streaming: the parsed chat.completion; return the (possibly rewritten) object. */
  json?(completion: Record<string, unknown>): Record<string, unknown>;
  /** Streaming: one parsed `data:` payload (chat.completion.chunk); return it (possibly rewritten). */
  chunk?(chunk: Record<string, unknown>): Record<string, unknown>;
  /** Streaming, at [DONE] or the upstream's end: chunks to send before it (text a chunk tap still held). */
  end?(): Array<Record<string, unknown>>;
  /** Once, after a complete successful answer: the assembled completion and the raw SSE events if streamed. */
  done?(answer: DoneAnswer): void | Promise<void>;
}

export interface DoneAnswer {
  status: number;
  completion: Record<string, unknown>;
  sse?: string[];
  /** A stream that outgrew what is recorded (sse-events.ts MAX_RECORDED_CHARS): `completion` is empty,
   *  there is nothing to store, but a store tap can still say why it skipped. */
  oversized?: boolean;
}

export interface PipelineContext {
  requestId: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  body: ChatBody;
  /** The model the client asked for, before any rewrite. */
  requestedModel: string;
  stream: boolean;
  texts: RequestTexts;
  decision?: RoutingDecision;
  /** model: on a hit, the model the served answer was stored for (the request line names it; no routing ran). */
  cache?: { key: CacheKeyScope; vector?: Float32Array; similarity?: number; hit: boolean; store: boolean; model?: string };
  /** Detected PII (types and offsets only; values are never kept here). */
  pii?: { entities: PiiEntity[]; redacted: boolean };
  /** x-vsr-* and friends, added to the client response (and to ext_proc header mutations). */
  responseHeaders: Record<string, string>;
  taps: ResponseTap[];
  /** Monotonic ms at arrival. */
  startedMs: number;
  /** The client's cancel (it left before the answer was complete). */
  signal?: CancelSignal;
}
