// The ext_proc door's guard for the passed-through generation routes (/v1/completions, /v1/responses,
// /v1/messages): the HTTP gateway's checks on the body Envoy buffered (an auto model name, then the
// passthrough guard of src/api/passthrough-guard.ts), a refusal turned into an immediate response.
// The body itself goes on unchanged. A model no vllm_endpoints entry serves is answered 404
// model_not_found, as the gateway's passthrough answers it (passthrough-forward.ts), rather than sent
// on for Envoy's route to take to an engine that lacks it. /v1/embeddings comes here too while a
// pii_policy restricts (pipeline-adapter.ts), read for that policy only as on the gateway; so do audio
// uploads and image edits, which the same guard refuses for a restricting model. Other passed-through
// routes are not read here: Envoy's route picks their upstream.
import type { AppDeps } from '../../../src/deps.ts';
import type { EndpointPool } from '../../../src/upstream/pool.ts';
import { errorBody } from '../../../src/pipeline/errors.ts';
import { modelOf } from '../../../src/api/passthrough-body.ts';
import { guardPassthrough, type PassthroughGuard } from '../../../src/api/passthrough-guard.ts';
import { AUTO_MODEL_NOT_ROUTED, autoModelRefusal } from '../../../src/api/auto-model-refusal.ts';
import { usageAskedFor } from '../../../src/api/passthrough.ts';
import { modelLabel } from '../../../src/pipeline/categories.ts';
import { activeTraceId, ATTR, recordHttpStatus, SPAN, startClientSpan, withRequestSpan } from '../../../src/observability/tracing.ts';
import { choiceCount } from '../../../src/upstream/choice-finish.ts';
import type { GenerationOutcome } from './port.ts';
import { generationMeter } from './generation-meter.ts';
import { logGenerationLine, type GenerationLine } from './generation-log.ts';

export async function generationGuard(
  deps: AppDeps,
  pool: EndpointPool,
  route: string,
  requestId: string,
  headers: Record<string, string>,
  body: Uint8Array,
  /** The answer's body comes back to ext_proc: a streamed completion's usage may be asked for (and taken out). */
  askUsage = false,
): Promise<GenerationOutcome> {
  const startedMs = deps.clock.now();
  const read = await modelOf(body, headers['content-type'], headers['content-encoding']);
  const model = read.model;
  const label = model === undefined ? 'unknown' : modelLabel(deps.config, model);
  // Each request once, refused or passed on, under the label its errors carry, as the gateway's
  // passthrough counts it: the error-ratio alert divides llm_request_errors_total by this.
  deps.metrics.inc('llm_model_requests_total', { model: label });
  // Only chat is routed: an auto name would reach the engine, which answers 404 for it. (Refused
  // before the request span opens, as on the gateway.)
  const auto = autoModelRefusal(deps.config, route, model, { 'x-request-id': requestId });
  if (auto) {
    deps.metrics.inc('llm_request_errors_total', { model: label, reason: 'parse_error' });
    return refusal(deps, auto, { requestId, route, startedMs, model, status: 400, outcome: 'rejected', error: AUTO_MODEL_NOT_ROUTED });
  }
  // As the gateway's passthrough: the guard's scans are stages of this request's trace, which
  // continues Envoy's traceparent; a request that goes on holds the span until its answer ends.
  const attrs = { 'request.id': requestId, 'request.model': label, [ATTR.HTTP_METHOD]: 'POST', [ATTR.HTTP_PATH]: route };
  return withRequestSpan(headers, attrs, async (span, hold) => {
    const g: PassthroughGuard = await guardPassthrough(deps, route, requestId, body, headers['content-encoding'] ?? null, read);
    // The guards' refusals under their declared reasons (passthrough-guard.ts), as the gateway counts them.
    if (g.response && g.reason) deps.metrics.inc('llm_request_errors_total', { model: label, reason: g.reason });
    if (!g.response && (model === undefined || pool.candidates(model).length > 0)) {
      // Its answer is accounted as the gateway's passthrough accounts it (status, tokens, a cut stream).
      const json = read.json?.value;
      const choices = json && typeof json === 'object' && !Array.isArray(json) ? choiceCount((json as Record<string, unknown>).n) : 1;
      const traceId = activeTraceId();
      // The call Envoy makes next (as chat's through ext_proc): a CLIENT span named in the forwarded traceparent.
      const upstream = startClientSpan(SPAN.UPSTREAM, { 'upstream.model': label });
      const trace = { traceId, span, end: hold(), upstream: upstream.span };
      // As the gateway (passthrough.ts): a streamed completion's usage is asked for when the client did
      // not say, for the token metrics, and taken out of its stream again (the answer's body must come back).
      const asked = route === '/v1/completions' && askUsage ? usageAskedFor(body, read) : undefined;
      // The request id goes on its answer, whatever its status, as the gateway's passthrough sets it (and
      // ext_proc on chat's): Envoy adds it to answers only with always_set_request_id_in_response.
      const answerHeaders = { ...g.headers, 'x-request-id': requestId };
      return { headers: answerHeaders, meter: generationMeter(deps, { route, requestId, model, trace }), choices, traceHeaders: upstream.headers, body: asked, stripUsage: asked !== undefined };
    }
    // Logged as the gateway's passthrough logs them: the guard's under the reason its headers name, an
    // unserved model as the error its forward reports (outcome 'error').
    const base = { requestId, route, startedMs, model, traceId: activeTraceId() };
    let out: GenerationOutcome;
    if (g.response) out = await refusal(deps, g.response, { ...base, status: g.response.status, outcome: 'rejected', error: guardReason(g.response.headers) });
    else {
      const u = pool.unserved(model!, false);
      deps.metrics.inc('llm_request_errors_total', { model: label, reason: u.reason });
      const r = new Response(errorBody(u.message, u.type, u.code), { status: u.status, headers: { 'content-type': 'application/json', 'x-request-id': requestId } });
      out = await refusal(deps, r, { ...base, status: u.status, outcome: 'error', error: u.reason });
    }
    recordHttpStatus(span, out.response!.status);
    return out;
  });
}

/** A refusal (the guard's, an auto name, an unserved model) as the immediate response's parts, logged. */
async function refusal(deps: AppDeps, r: Response, line: GenerationLine): Promise<GenerationOutcome> {
  const text = await r.text();
  const out: Record<string, string> = {};
  r.headers.forEach((v, k) => {
    if (k !== 'content-type' && k !== 'content-length') out[k] = v;
  });
  let code = 'guard_refused';
  try {
    code = String((JSON.parse(text) as { error?: { code?: unknown } }).error?.code ?? code);
  } catch {
    // Not an OpenAI error body: the generic reason.
  }
  logGenerationLine(deps, line);
  return { response: { status: r.status, headers: out, contentType: r.headers.get('content-type') ?? 'application/json', body: text, reason: code }, headers: {} };
}

/** The reason the gateway's passthrough logs for a guard's refusal, read from the answer's headers as there. */
function guardReason(h: Headers): string {
  return h.get('x-vsr-jailbreak-blocked') ? 'jailbreak_block' : h.get('x-vsr-pii-violation') ? 'pii_policy_denied' : 'guard_refused';
}
