// The one structured log line per request (event "request"): ids, decision, latencies, tokens.
// Built from the pipeline context so every door logs the same shape. Prompt text is left out unless
// observability.logging.debug_log_prompts is set; PII is reported as types and counts, never values.
import type { Config } from '../config/schema.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { modelLabel } from '../pipeline/categories.ts';
import { effortLabel } from './labels.ts';
import type { Logger } from './types.ts';
import type { UsageRecord } from './usage.ts';

export interface RequestLogInput {
  ctx: PipelineContext;
  /** HTTP status sent to the client. */
  status: number;
  /** upstream | cache_hit | jailbreak_block | pii_policy_denied | error | ... */
  outcome: string;
  /** Monotonic ms now (clock.now()); total latency = nowMs - ctx.startedMs. */
  nowMs: number;
  /** Stage durations in ms, e.g. { jailbreak: 1.2, classification: 3.4, cache: 0.5, upstream: 812 }. */
  timings?: Record<string, number>;
  ttftMs?: number;
  usage?: UsageRecord;
  /** Error reason code for errors (never an exception message: it may quote the request). */
  errorReason?: string;
  endpoint?: string;
  /** Include the latest user message (debug only). Defaults to the config flag. */
  debugPrompts?: boolean;
}

export interface RequestLogLine {
  event: 'request';
  request_id: string;
  requested_model: string;
  model?: string;
  category?: string;
  confidence?: number;
  reason_code?: string;
  reasoning?: boolean;
  reasoning_effort?: string;
  system_prompt_injected?: boolean;
  stream: boolean;
  status: number;
  outcome: string;
  error_reason?: string;
  cache_hit?: boolean;
  cache_similarity?: number;
  pii_types?: string[];
  pii_count?: number;
  endpoint?: string;
  latency_ms: Record<string, number>;
  tokens?: { prompt: number; completion: number; total: number };
  cost?: number;
  currency?: string;
  prompt?: string;
  /** The request span's trace, when one is recorded (a stream's line is written after its span ended). */
  trace_id?: string;
}

export function debugPromptsEnabled(config?: Config): boolean {
  const logging = (config?.observability as { logging?: { debug_log_prompts?: unknown } } | undefined)?.logging;
  return logging?.debug_log_prompts === true;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export function buildRequestLog(input: RequestLogInput, config?: Config): RequestLogLine {
  const { ctx } = input;
  const d = ctx.decision;
  const latency: Record<string, number> = { total: round(Math.max(0, input.nowMs - ctx.startedMs)) };
  for (const [k, v] of Object.entries(input.timings ?? {})) if (Number.isFinite(v)) latency[k] = round(v);
  if (input.ttftMs !== undefined && Number.isFinite(input.ttftMs)) latency.ttft = round(input.ttftMs);

  const line: RequestLogLine = {
    event: 'request',
    request_id: ctx.requestId,
    requested_model: ctx.requestedModel,
    stream: ctx.stream,
    status: input.status,
    outcome: input.outcome,
    latency_ms: latency,
  };
  if (d) {
    line.model = d.model;
    if (d.category !== undefined) line.category = d.category;
    if (d.confidence !== undefined) line.confidence = Math.round(d.confidence * 1e4) / 1e4;
    line.reason_code = d.reasonCode;
    line.reasoning = d.reasoning;
    // The client's own effort when routing kept it: client text, so a known value or "other".
    if (d.reasoningEffort) line.reasoning_effort = effortLabel(d.reasoningEffort);
    line.system_prompt_injected = d.injectedSystemPrompt;
  }
  if (input.errorReason) line.error_reason = input.errorReason;
  if (ctx.cache) {
    line.cache_hit = ctx.cache.hit;
    // A hit skips routing (no decision): the model is the one the served answer was stored for.
    if (line.model === undefined && ctx.cache.hit && ctx.cache.model) line.model = ctx.cache.model;
    if (ctx.cache.similarity !== undefined) line.cache_similarity = Math.round(ctx.cache.similarity * 1e4) / 1e4;
  }
  if (ctx.pii && ctx.pii.entities.length) {
    line.pii_types = [...new Set(ctx.pii.entities.map((e) => e.type))].sort();
    line.pii_count = ctx.pii.entities.length;
  }
  if (input.endpoint) line.endpoint = input.endpoint;
  const u = input.usage;
  if (u) {
    line.tokens = { prompt: u.promptTokens, completion: u.completionTokens, total: u.totalTokens };
    if (u.cost !== undefined) {
      line.cost = u.cost;
      line.currency = u.currency;
    }
  }
  if (input.debugPrompts ?? debugPromptsEnabled(config)) line.prompt = ctx.texts.latestUser;
  return line;
}

/** Measures stage durations for the log line and the *_time_ms span attributes. */
export function stageTimer(now: () => number): {
  time<T>(stage: string, fn: () => Promise<T>): Promise<T>;
  add(stage: string, ms: number): void;
  timings: Record<string, number>;
} {
  const timings: Record<string, number> = {};
  return {
    timings,
    add(stage, ms) {
      timings[stage] = (timings[stage] ?? 0) + ms;
    },
    async time(stage, fn) {
      const t0 = now();
      try {
        return await fn();
      } finally {
        timings[stage] = (timings[stage] ?? 0) + (now() - t0);
      }
    },
  };
}

/** How a request ended, as the door that served it knows it (the gateway's forward, or ext_proc's view of Envoy's). */
export interface RequestEnd {
  status: number;
  endpoint?: string;
  ttftMs?: number;
  usage?: UsageRecord;
  error?: string;
  /** The request span's trace id, taken while the span was active (activeTraceId()). */
  traceId?: string;
}

/**
 * Writes the one request line (every door: the HTTP gateway, ext_proc). `outcome` 'upstream' with an
 * error is logged as 'error'. Model names are client text: configured names as they are, anything else
 * as "other".
 */
export function logRequest(
  deps: { config: Config; logger: Logger; clock: { now(): number } },
  ctx: PipelineContext,
  o: RequestEnd,
  outcome = 'upstream',
): void {
  const line = buildRequestLog(
    { ctx, status: o.status, outcome: o.error && outcome === 'upstream' ? 'error' : outcome, nowMs: deps.clock.now(), ttftMs: o.ttftMs, usage: o.usage, errorReason: o.error, endpoint: o.endpoint },
    deps.config,
  );
  line.requested_model = modelLabel(deps.config, line.requested_model);
  if (line.model !== undefined) line.model = modelLabel(deps.config, line.model);
  // The logger adds the active span's trace id itself, but a stream's line is written when the stream
  // ends, outside the request span (and ext_proc's after the decision): name the trace explicitly.
  if (o.traceId) line.trace_id = o.traceId;
  deps.logger.info(line, 'request');
}
