// The Production Stack's other OpenAI endpoints (server.passthrough_paths: /v1/completions,
// /v1/embeddings, /v1/audio/transcriptions, ...), so a client whose base URL points at semroute keeps
// them, as behind the reference's Envoy, which sends every route but chat to the upstream untouched.
// Nothing is classified here: an auto model name is refused with 400, since only chat is routed.
import type { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { EndpointPool } from '../upstream/pool.ts';
import type { CancelSignal } from '../upstream/types.ts';
import { GatewayError } from '../pipeline/errors.ts';
import { modelLabel } from '../pipeline/categories.ts';
import { activeTraceId, ATTR, recordAnswerEnd, recordHttpStatus, withRequestSpan } from '../observability/tracing.ts';
import { AUTO_MODEL_NOT_ROUTED, autoModelRefusal } from './auto-model-refusal.ts';
import { checkContentEncoding } from './body.ts';
import { errorResponse, fromGatewayError } from './errors.ts';
import { headerRecord, requestIdFrom } from './openai.ts';
import { modelOf, readBodyBytes, type BodyModel } from './passthrough-body.ts';
import { forwardPassthrough, type PassthroughOutcome } from './passthrough-forward.ts';
import { GUARDED_ROUTES, guardPassthrough, MEDIA_ROUTES, PII_ONLY_ROUTES } from './passthrough-guard.ts';
import { cancelOutcome } from './cancel-outcome.ts';
import { choiceCount } from '../upstream/choice-finish.ts';
import { askUsage } from '../upstream/usage-strip.ts';
import { parseJsonBody, usageAsked } from '../pipeline/request.ts';
import { serialiseBody } from '../pipeline/exact-integers.ts';
import type { ChatBody } from '../pipeline/context.ts';

/**
 * Registers every configured path (any method) that the gateway does not serve itself: `own` is the
 * app's route table so far (chat, models, health, ...), which keeps those the gateway's.
 */
export function registerPassthrough(app: Hono, deps: AppDeps, pool: EndpointPool, own: ReadonlyArray<{ path: string }>): void {
  const taken = new Set(own.map((r) => r.path));
  for (const route of new Set(deps.config.server.passthrough_paths)) {
    if (taken.has(route)) {
      deps.logger.warn({ path: route }, 'server.passthrough_paths: the gateway serves this path itself; not passed through');
      continue;
    }
    app.all(route, (c) => handle(deps, pool, route, c.req.raw, deps.clientSignal?.(c.env) ?? c.req.raw.signal));
  }
  // A browser's CORS preflight for chat goes to the engine, whose CORS policy answers it (vLLM allows
  // every origin by default), as behind the reference's Envoy; the gateway has no policy of its own,
  // and the answers it forwards already carry the engine's access-control-* headers.
  const chat = '/v1/chat/completions';
  app.options(chat, (c) => handle(deps, pool, chat, c.req.raw, deps.clientSignal?.(c.env) ?? c.req.raw.signal));
}

async function handle(deps: AppDeps, pool: EndpointPool, route: string, raw: Request, signal: CancelSignal | undefined): Promise<Response> {
  const startedMs = deps.clock.now();
  const requestId = requestIdFrom(raw.headers.get('x-request-id'));
  const idHeader = { 'x-request-id': requestId };
  const url = new URL(raw.url);
  // Set once the request span is open: the log line then names the trace, as chat's does.
  let traceId: string | undefined;
  const log = (o: PassthroughOutcome & { model?: string }, outcome: string) => {
    deps.metrics.inc('semroute_passthrough_requests_total', { path: route, code: String(o.status) });
    // Once per model request, under the label its errors carry: the error-ratio alert divides
    // llm_request_errors_total by this, and these requests' errors are counted there too.
    if (modelRequest(raw.method, route, o.model)) deps.metrics.inc('llm_model_requests_total', { model: o.model === undefined ? 'unknown' : modelLabel(deps.config, o.model) });
    const line: Record<string, unknown> = {
      event: 'request',
      request_id: requestId,
      method: raw.method,
      path: route,
      stream: o.streamed ?? false,
      status: o.status,
      outcome,
      latency_ms: { total: round(deps.clock.now() - startedMs), ...(o.ttftMs !== undefined ? { ttft: round(o.ttftMs) } : {}) },
    };
    // Client text: configured names as they are, anything else as "other"; bodies are never logged.
    if (o.model !== undefined) line.requested_model = modelLabel(deps.config, o.model);
    if (o.error) line.error_reason = o.error;
    if (o.endpoint) line.endpoint = o.endpoint;
    if (o.usage) line.tokens = { prompt: o.usage.promptTokens, completion: o.usage.completionTokens, total: o.usage.totalTokens };
    if (traceId) line.trace_id = traceId;
    deps.logger.info(line, 'request');
  };

  const headers = headerRecord(raw.headers);
  // The span opens before the body is read (as chat's, openai.ts), so a request refused for its body
  // or its model name is traced too; the guard's scans are stages of this trace, as chat's are.
  return withRequestSpan(headers, { 'request.id': requestId, [ATTR.HTTP_METHOD]: raw.method, [ATTR.HTTP_PATH]: route }, async (span, hold) => {
    traceId = activeTraceId();
    let body: Uint8Array | undefined;
    let read: BodyModel = {};
    try {
      // A transfer coding under chunked (gzip, chunked) is refused as on chat: the bytes would go on still coded.
      checkContentEncoding(undefined, raw.headers.get('transfer-encoding') ?? undefined);
      if (raw.method !== 'GET' && raw.method !== 'HEAD') {
        body = await readBodyBytes(raw, deps.config.server.max_body_bytes);
        read = await modelOf(body, raw.headers.get('content-type') ?? undefined, raw.headers.get('content-encoding') ?? undefined);
      }
    } catch (err) {
      if (err instanceof GatewayError) {
        if (modelRequest(raw.method, route, undefined)) deps.metrics.inc('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' });
        log({ status: err.status, error: err.code === null ? undefined : String(err.code) }, 'rejected');
        recordHttpStatus(span, err.status);
        return fromGatewayError(err, idHeader);
      }
      // The client left mid-body (499), or the server's request timeout cut it (408): cancel-outcome.ts.
      if (signal?.aborted || (err as { code?: string } | undefined)?.code === 'ECONNRESET') {
        const o = cancelOutcome(signal);
        if (modelRequest(raw.method, route, undefined)) deps.metrics.inc('llm_request_errors_total', { model: 'unknown', reason: o.reason });
        log({ status: o.status, error: o.reason }, o.status === 408 ? 'timed_out' : 'cancelled');
        recordHttpStatus(span, o.status);
        return errorResponse(o.status, o.message, o.status === 408 ? 'invalid_request_error' : 'api_error', o.code, null, idHeader);
      }
      throw err;
    }
    const model = read.model;
    const label = model === undefined ? 'unknown' : modelLabel(deps.config, model);
    if (span.isRecording()) span.setAttribute('request.model', label);
    const auto = autoModelRefusal(deps.config, route, model, idHeader);
    if (auto) {
      deps.metrics.inc('llm_request_errors_total', { model: label, reason: 'parse_error' });
      log({ status: 400, model, error: AUTO_MODEL_NOT_ROUTED }, 'rejected');
      recordHttpStatus(span, 400);
      return auto;
    }
    // Generation routes get the chat guard (passthrough-guard.ts); the bytes still go as sent.
    const guard = await guardPassthrough(deps, route, requestId, body, raw.headers.get('content-encoding'), read);
    if (guard.response) {
      const h = guard.response.headers;
      const reason = h.get('x-vsr-jailbreak-blocked') ? 'jailbreak_block' : h.get('x-vsr-pii-violation') ? 'pii_policy_denied' : 'guard_refused';
      // Counted as chat counts its guard answers: the error-ratio alert divides by this request too.
      if (guard.reason) deps.metrics.inc('llm_request_errors_total', { model: label, reason: guard.reason });
      log({ status: guard.response.status, model, error: reason }, 'rejected');
      recordHttpStatus(span, guard.response.status);
      return guard.response;
    }
    // Ended with the answer's last byte, not its head (the body is passed on as it comes): the
    // answer's time, tokens and a cut midway belong to the trace, with the status the client got.
    const end = hold();
    const ask = route === '/v1/completions' && body ? usageAskedFor(body, read) : undefined;
    const res = await forwardPassthrough(
      deps,
      pool,
      {
        requestId,
        method: raw.method,
        path: url.pathname + url.search,
        clientHeaders: headers,
        body: ask ?? body,
        model,
        label,
        modelRequest: modelRequest(raw.method, route, model),
        signal,
        choices: choicesOf(read),
        stripUsage: ask !== undefined,
      },
      (o) => {
        log({ ...o, model }, o.error ? 'error' : 'upstream');
        recordAnswerEnd(span, o);
        end();
      },
    );
    if (Object.keys(guard.headers).length === 0) return res;
    // x-vsr-jailbreak-flagged (action: flag) or x-vsr-guard-partial on the upstream's answer.
    const out = new Headers(res.headers);
    for (const [k, v] of Object.entries(guard.headers)) out.set(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
  });
}

// Routes a model serves (generation, embedding, scoring, audio, images): a request there is a model
// request even when its body names none (refused unread: counted as unknown, as its error is).
const MODEL_ROUTES: ReadonlySet<string> = new Set([...GUARDED_ROUTES, ...PII_ONLY_ROUTES, ...MEDIA_ROUTES]);

/** A request that names a model or goes to a route a model serves; GET /version, /v1/audio/voices,
 *  a body-less /tokenize or a CORS preflight is not (each still counts in semroute_passthrough_requests_total). */
function modelRequest(method: string, route: string, model: string | undefined): boolean {
  if (model !== undefined) return true;
  return method !== 'OPTIONS' && method !== 'GET' && method !== 'HEAD' && MODEL_ROUTES.has(route);
}

const round = (ms: number) => Math.round(Math.max(0, ms) * 1000) / 1000;

/**
 * A streamed /v1/completions body with include_usage asked: vLLM sends a stream's usage only when
 * asked, and the token and cost metrics need it (as chat asks, forward.ts); the usage is taken out
 * of the client's stream. A body that does not mention stream_options gets the member added at the
 * end, so every byte the client sent goes as it was; an explicit opt-out (include_usage false, a null
 * stream_options) is rewritten as chat's askUsage rewrites it (integer literals kept), since the
 * client's stream is the same either way. One that asks, or one vLLM refuses, goes as sent.
 */
export function usageAskedFor(body: Uint8Array, read: BodyModel): Uint8Array | undefined {
  const v = read.json?.value;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (o.stream !== true) return undefined;
  const text = new TextDecoder().decode(body).trimEnd();
  if (!('stream_options' in o)) {
    return text.endsWith('}') ? new TextEncoder().encode(`${text.slice(0, -1)},"stream_options":{"include_usage":true}}`) : undefined;
  }
  if (usageAsked(o as ChatBody) !== false) return undefined;
  let exact: unknown;
  try {
    exact = parseJsonBody(text);
  } catch {
    return undefined; // a body vLLM reads otherwise (a number beyond a double): the upstream's to judge
  }
  return new TextEncoder().encode(askUsage(serialiseBody(exact as object), exact as ChatBody));
}

/** The body's n as vLLM reads it, when the body was read as JSON (1 otherwise). */
function choicesOf(read: BodyModel): number {
  const v = read.json?.value;
  return v && typeof v === 'object' && !Array.isArray(v) ? choiceCount((v as Record<string, unknown>).n) : 1;
}
