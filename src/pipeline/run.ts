// The request walk up to the forward decision (DESIGN.md): guard -> cache -> route -> pii -> rewrite.
// Every door calls this: the HTTP gateway forwards the result, the ext_proc server turns it into
// Envoy mutations. Parsing (step 1) happens before, in the door; forwarding (step 7) after.
import type { AppDeps } from '../deps.ts';
import { trace } from '@opentelemetry/api';
import { ATTR, withSpan } from '../observability/tracing.ts';
import type { ImmediateResponse, PipelineContext, RefusalResponse } from './context.ts';
import { guardStage } from './guard.ts';
import { jailbreakStageSpan, PII_TIME } from '../observability/stage-spans.ts';
import { cacheLookupStage } from './cache.ts';
import { piiStage } from './pii.ts';
import { normaliseReasoningSwitches } from './reasoning-switch.ts';
import { routeStage } from './route.ts';
import { rewriteStage } from './rewrite.ts';
import { modelLabel } from './categories.ts';
import { headerText } from '../upstream/headers.ts';
import { serialiseBody } from './exact-integers.ts';

export type PipelineResult =
  | { kind: 'respond'; response: ImmediateResponse }
  | {
      kind: 'forward';
      /** The model to send to (after routing and PII policy). */
      model: string;
      /** The rewritten body, serialised. */
      body: string;
      /** Headers to add to the forwarded request (request id, session key). */
      upstreamHeaders: Record<string, string>;
    };

const CACHE_TIME = { timeAttr: ATTR.CACHE_LOOKUP_TIME_MS };

export async function runRequestPipeline(deps: AppDeps, ctx: PipelineContext): Promise<PipelineResult> {
  // A reasoning switch sent as "false", 0 or "true" becomes the boolean the client meant before any stage
  // reads it (reasoning-switch.ts): the cache key, routing's header and metrics, and the forwarded body
  // then read one meaning.
  normaliseReasoningSwitches(ctx.body, deps.config);
  // Each stage's span carries its verdict under the reference's attribute names (vsr.md 4.2): types,
  // labels and flags only, never text or values. Nothing is computed for a span that is not recorded.
  const blocked = await jailbreakStageSpan(() => guardStage(deps, ctx), () => ctx.responseHeaders);
  if (blocked) return respond(deps, ctx, blocked);

  const hit = await withSpan('semantic_router.cache.lookup', { 'cache.requested_model': modelLabel(deps.config, ctx.requestedModel) }, async (span) => {
    const r = await cacheLookupStage(deps, ctx);
    if (ctx.cache && span.isRecording()) span.setAttributes({ [ATTR.CACHE_HIT]: ctx.cache.hit, ...(ctx.cache.similarity !== undefined ? { 'cache.similarity': ctx.cache.similarity } : {}) });
    return r;
  }, CACHE_TIME);
  if (hit) return respond(deps, ctx, hit);

  await routeStage(deps, ctx);

  const denied = await withSpan('semantic_router.security.pii_detection', {}, async (span) => {
    const routed = ctx.decision?.model;
    const r = await piiStage(deps, ctx);
    if (!span.isRecording()) return r;
    const types = [...new Set((ctx.pii?.entities ?? []).map((e) => e.type))].sort();
    span.setAttributes({ [ATTR.PII_DETECTED]: types.length > 0, ...(types.length ? { [ATTR.PII_TYPES]: types.join(',') } : {}) });
    if (r) span.setAttribute(ATTR.SECURITY_ACTION, 'block');
    else if (ctx.pii?.redacted) span.setAttribute(ATTR.SECURITY_ACTION, 'redact');
    else if (ctx.decision && ctx.decision.model !== routed) {
      // The policy sent it elsewhere: the routing span (ended before this scan) names the classifier's choice.
      span.setAttributes({ [ATTR.SECURITY_ACTION]: 'reroute', [ATTR.ROUTING_SELECTED_MODEL]: modelLabel(deps.config, ctx.decision.model), [ATTR.ROUTING_REASON]: ctx.decision.reasonCode });
    }
    return r;
  }, PII_TIME);
  if (denied) return respond(deps, ctx, denied);

  rewriteStage(deps, ctx);
  const d = ctx.decision!;
  const model = modelLabel(deps.config, d.model);
  // The request span says where the request went once nothing changes it (the PII stage may reroute,
  // and the routing span ended before it) and whether a system prompt went in, as the x-vsr-* headers do.
  const root = trace.getActiveSpan();
  if (root?.isRecording()) root.setAttributes({ [ATTR.MODEL_NAME]: model, [ATTR.SYSTEM_PROMPT_INJECTED]: d.injectedSystemPrompt });
  deps.metrics.inc('llm_model_requests_total', { model });
  deps.metrics.inc('llm_routing_reason_codes_total', { reason_code: d.reasonCode, model });
  return { kind: 'forward', model: d.model, body: serialiseBody(ctx.body), upstreamHeaders: upstreamHeaders(deps, ctx) };
}

function respond(deps: AppDeps, ctx: PipelineContext, response: RefusalResponse | ImmediateResponse<'cache_hit'>): PipelineResult {
  response.headers = { ...ctx.responseHeaders, ...response.headers };
  // Answered here (a block, a cache hit) is a request too, as the reference counts every request: under
  // the label its error carries, so errors / requests per model (the error-ratio rule) hold.
  const model = modelLabel(deps.config, ctx.decision?.model ?? ctx.requestedModel);
  deps.metrics.inc('llm_model_requests_total', { model });
  if (response.reason !== 'cache_hit') deps.metrics.inc('llm_request_errors_total', { model, reason: response.reason });
  return { kind: 'respond', response };
}

/** The request id always; the session key header when the client sent one (the Production Stack's session routing reads it). */
export function upstreamHeaders(deps: AppDeps, ctx: PipelineContext): Record<string, string> {
  const out: Record<string, string> = { 'x-request-id': ctx.requestId, 'x-selected-model': headerText(ctx.decision?.model ?? ctx.requestedModel) };
  const key = deps.config.session_key.toLowerCase();
  const session = ctx.headers[key];
  if (session) out[key] = session;
  return out;
}
