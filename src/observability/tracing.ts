// Span helpers over the OpenTelemetry API (runtime-agnostic: without a registered SDK they are no-ops).
// Span names and attribute keys are the reference's (vsr.md section 4.2), so traces line up with the
// vLLM Semantic Router's in the same backend. Attribute values must never be prompt text or PII values:
// use types, counts, labels and ids.
import { INVALID_SPAN_CONTEXT, ProxyTracerProvider, SpanKind, SpanStatusCode, context, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { extractTraceContext, injectTraceHeaders } from './trace-context.ts';

export { extractTraceContext, injectTraceHeaders, parseTraceparent, formatTraceparent, W3CTraceContext } from './trace-context.ts';

export const TRACER_NAME = 'semroute';

export const SPAN = {
  REQUEST: 'semantic_router.request.received',
  CLASSIFICATION: 'semantic_router.classification',
  JAILBREAK: 'semantic_router.security.jailbreak_detection',
  PII: 'semantic_router.security.pii_detection',
  CACHE_LOOKUP: 'semantic_router.cache.lookup',
  ROUTING: 'semantic_router.routing.decision',
  BACKEND_SELECTION: 'semantic_router.backend.selection',
  UPSTREAM: 'semantic_router.upstream.request',
  RESPONSE: 'semantic_router.response.processing',
  TOOLS: 'semantic_router.tools.selection',
  SYSTEM_PROMPT: 'semantic_router.system_prompt.injection',
} as const;

export const ATTR = {
  REQUEST_ID: 'request.id',
  USER_ID: 'user.id',
  SESSION_ID: 'session.id',
  HTTP_METHOD: 'http.method',
  HTTP_PATH: 'http.path',
  HTTP_STATUS: 'http.status_code',
  MODEL_NAME: 'model.name',
  MODEL_PROVIDER: 'model.provider',
  MODEL_VERSION: 'model.version',
  CATEGORY_NAME: 'category.name',
  CATEGORY_CONFIDENCE: 'category.confidence',
  CLASSIFIER_TYPE: 'classifier.type',
  ROUTING_STRATEGY: 'routing.strategy',
  ROUTING_REASON: 'routing.reason',
  ROUTING_ORIGINAL_MODEL: 'routing.original_model',
  ROUTING_SELECTED_MODEL: 'routing.selected_model',
  ENDPOINT_NAME: 'endpoint.name',
  ENDPOINT_ADDRESS: 'endpoint.address',
  PII_DETECTED: 'pii.detected',
  PII_TYPES: 'pii.types',
  JAILBREAK_DETECTED: 'jailbreak.detected',
  JAILBREAK_TYPE: 'jailbreak.type',
  SECURITY_ACTION: 'security.action',
  TOKEN_COUNT_PROMPT: 'token.count.prompt',
  TOKEN_COUNT_COMPLETION: 'token.count.completion',
  CACHE_HIT: 'cache.hit',
  CACHE_KEY: 'cache.key',
  REASONING_ENABLED: 'reasoning.enabled',
  REASONING_EFFORT: 'reasoning.effort',
  REASONING_FAMILY: 'reasoning.family',
  TOOLS_SELECTED: 'tools.selected',
  TOOLS_COUNT: 'tools.count',
  PROCESSING_TIME_MS: 'processing.time_ms',
  CLASSIFICATION_TIME_MS: 'classification.time_ms',
  CACHE_LOOKUP_TIME_MS: 'cache.lookup_time_ms',
  PII_DETECTION_TIME_MS: 'pii.detection_time_ms',
  JAILBREAK_DETECTION_TIME_MS: 'jailbreak.detection_time_ms',
  SYSTEM_PROMPT_INJECTED: 'system_prompt.injected',
  SYSTEM_PROMPT_MODE: 'system_prompt.mode',
} as const;

export interface SpanOptions {
  kind?: SpanKind;
  /** Parent context; defaults to the active one. */
  parent?: Context;
  /** An attribute that gets the function's time in ms (the reference's classification.time_ms and
   *  its kin): read only while the span records, so an untraced request pays nothing for it. */
  timeAttr?: string;
}

/** Options of a span for an outgoing call (the upstream request). */
export const CLIENT: SpanOptions = { kind: SpanKind.CLIENT };

const tracer = () => trace.getTracer(TRACER_NAME);

// What the API hands out while no SDK is registered: a fresh proxy's delegate is the API's no-op
// provider singleton, so comparing against it tells whether a runtime registered a real provider.
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** True once a runtime registered a tracer provider (runtimes/node/tracing.ts does when tracing is enabled). */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

/**
 * Called by a span's function to keep the span open past its return (a streamed answer goes on after
 * the head is returned); it returns the function that ends the span. A span whose function throws
 * ends then all the same.
 */
export type HoldSpan = () => () => void;

const NOOP_END = () => {};
const NOOP_HOLD: HoldSpan = () => NOOP_END;

export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span, hold: HoldSpan) => Promise<T> | T,
  options: SpanOptions = {},
): Promise<T> {
  // Without a provider every span is a no-op: skip the tracer, context and closure machinery (it
  // runs several times per request). The caller's traceparent still reaches the upstream, as the
  // client header forwarded unchanged.
  if (!tracingActive()) return fn(NOOP_SPAN, NOOP_HOLD);
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(name, { attributes, kind: options.kind ?? SpanKind.INTERNAL }, parent, async (span) => {
    let held = false;
    let ended = false;
    const t0 = options.timeAttr && span.isRecording() ? performance.now() : -1;
    const end = () => {
      if (!ended) {
        ended = true;
        if (t0 >= 0) span.setAttribute(options.timeAttr!, msOf(performance.now() - t0));
        span.end();
      }
    };
    try {
      return await fn(span, () => {
        held = true;
        return end;
      });
    } catch (err) {
      // The error name only: a message may quote the request.
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      held = false;
      throw err;
    } finally {
      if (!held) end();
    }
  });
}

const msOf = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * A span around synchronous work (an endpoint pick, a body rewrite): no promise, so a caller on the
 * hot path stays synchronous. `attributes` is read once `fn` returned, and only while the span records.
 */
export function withSyncSpan<T>(name: string, fn: () => T, attributes?: (result: T) => Attributes): T {
  if (!tracingActive()) return fn();
  return tracer().startActiveSpan(name, { kind: SpanKind.INTERNAL }, context.active(), (span) => {
    try {
      const r = fn();
      if (attributes && span.isRecording()) span.setAttributes(attributes(r));
      return r;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * The root span of one request (semantic_router.request.received, kind SERVER), continuing the
 * caller's trace when the request carries a W3C traceparent.
 */
export function withRequestSpan<T>(
  headers: Record<string, string | string[] | undefined>,
  attributes: Attributes,
  fn: (span: Span, hold: HoldSpan) => Promise<T> | T,
): Promise<T> {
  // No provider: no parent context to read either (withSpan takes its no-op path).
  if (!tracingActive()) return withSpan(SPAN.REQUEST, attributes, fn);
  return withSpan(SPAN.REQUEST, attributes, fn, { kind: SpanKind.SERVER, parent: extractTraceContext(headers, context.active()) });
}

/**
 * A CLIENT span under the active one that the caller ends (ext_proc: the call Envoy makes after our
 * answer), and the W3C headers naming it for the outgoing request. Without a provider: a no-op span, no headers.
 */
export function startClientSpan(name: string, attributes: Attributes): { span: Span; headers: Record<string, string> } {
  if (!tracingActive()) return { span: NOOP_SPAN, headers: {} };
  const parent = context.active();
  const span = tracer().startSpan(name, { attributes, kind: SpanKind.CLIENT }, parent);
  return { span, headers: extractHeaders(trace.setSpan(parent, span)) };
}

function extractHeaders(ctx: Context): Record<string, string> {
  return injectTraceHeaders({}, ctx);
}

/** The status a span's request ended with; a 5xx marks the span as an error (4xx are the client's). */
export function recordHttpStatus(span: Span, status: number): void {
  span.setAttribute(ATTR.HTTP_STATUS, status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
}

/**
 * How an upstream answer ended, on the request span once its last byte went (a stream's head is long
 * gone by then): the status the client got (a stream's is its head's), its token counts, and a failure after a 2xx head (a cut stream, an error event, an
 * idle stall) as an error, since the status attribute still says 200. A client that left is not the
 * server's error (its 499 or cut stream is in the request log and llm_request_errors_total).
 */
export function recordAnswerEnd(span: Span, o: { status: number; error?: string; usage?: { promptTokens: number; completionTokens: number } }): void {
  if (!span.isRecording()) return;
  recordHttpStatus(span, o.status);
  if (o.usage) span.setAttributes({ [ATTR.TOKEN_COUNT_PROMPT]: o.usage.promptTokens, [ATTR.TOKEN_COUNT_COMPLETION]: o.usage.completionTokens });
  if (o.error && o.status < 400 && o.error !== 'cancellation') span.setStatus({ code: SpanStatusCode.ERROR, message: o.error });
}

/** The active span's trace id (for logs and the x-request-id correlation), if one is recording. */
export function activeTraceId(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && sc.traceFlags & 1 ? sc.traceId : undefined;
}
