// The ext_proc door onto the shared pipeline: parse + validate (step 1) with the gateway's own
// functions, then runRequestPipeline (steps 2-6). Step 7 is Envoy's job, so the endpoint pool is only
// asked which endpoint it would pick (for x-gateway-destination-endpoint).
import type { AppDeps } from '../../../src/deps.ts';
import { requestIdFrom } from '../../../src/api/openai.ts';
import { errorBody, GatewayError } from '../../../src/pipeline/errors.ts';
import { checkContentEncoding, checkJsonContentType, strictText, tooLarge as bodyTooLarge } from '../../../src/api/body.ts';
import { buildContext, includeUsage, parseJsonBody, validateChatBody } from '../../../src/pipeline/request.ts';
import { askUsage } from '../../../src/upstream/usage-strip.ts';
import { choiceCount } from '../../../src/upstream/choice-finish.ts';
import { runRequestPipeline } from '../../../src/pipeline/run.ts';
import { EndpointPool, type PoolEndpoint } from '../../../src/upstream/pool.ts';
import type { PipelineContext } from '../../../src/pipeline/context.ts';
import type { PipelineResult } from '../../../src/pipeline/run.ts';
import { modelsResponse } from './models.ts';
import { answerMeter } from './answer-meter.ts';
import { logRequest } from '../../../src/observability/request-log.ts';
import { selectBackend } from '../../../src/observability/stage-spans.ts';
import { activeTraceId, recordHttpStatus, SPAN, startClientSpan, withRequestSpan } from '../../../src/observability/tracing.ts';
import type { Span } from '@opentelemetry/api';
import { modelLabel } from '../../../src/pipeline/categories.ts';
import type { ChatInput, ChatOutcome, ExtProcPipeline } from './port.ts';
import { GUARDED_ROUTES, MEDIA_ROUTES, PII_ONLY_ROUTES } from '../../../src/api/passthrough-guard.ts';
import { generationGuard } from './generation-guard.ts';
import { logGenerationLine } from './generation-log.ts';
import { guardSettings } from '../../../src/guard/settings.ts';
import { policyOf, restricts } from '../../../src/guard/pii-policy.ts';

const encoder = new TextEncoder();

export function createPipelineAdapter(deps: AppDeps): ExtProcPipeline {
  const pool = new EndpointPool(deps.config, deps.clock);
  const startedSec = Math.floor(deps.clock.wallMs() / 1000);
  // Whether a body the pipeline cannot read must be refused rather than passed on (see chat below).
  const piiRestricted = Object.keys(deps.config.model_config).some((m) => restricts(policyOf(deps.config, m)));
  const guarded = guardSettings(deps.config).guardEnabled || piiRestricted;
  return {
    async chat(input: ChatInput): Promise<ChatOutcome> {
      // Same limit as the HTTP door; passing an oversized body on unread would skip the guard.
      const requestId = requestIdFrom(input.headers['x-request-id']);
      if (input.body.length > deps.config.server.max_body_bytes || (input.incomplete && guarded)) {
        refused(deps, requestId, 413, 'request_too_large');
        return { kind: 'respond', response: tooLarge(deps.config.server.max_body_bytes, requestId, input.incomplete) };
      }
      if (input.incomplete) {
        refused(deps, requestId, undefined, 'request_too_large');
        return { kind: 'pass', reason: 'request_too_large' };
      }
      // A content type that is not JSON (the gateway's 415 before it reads a byte, vLLM's too) and a
      // compressed body (Envoy does not undo content-encoding on requests): while a guard is on, refused
      // as the gateway refuses them (415), else the body goes on unread for the upstream to answer.
      try {
        checkJsonContentType(input.headers['content-type']);
        if (guarded) checkContentEncoding(input.headers['content-encoding']);
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        refused(deps, requestId, guarded ? err.status : undefined, String(err.code));
        if (guarded) return { kind: 'respond', response: unreadable(err, requestId) };
        return { kind: 'pass', reason: String(err.code) };
      }
      // Python's json.loads takes UTF-16 and UTF-32 behind their byte order marks: passed on unread while
      // a guard is on, such a body reached the engine unread. The gateway's 400, word for word.
      let text: string;
      try {
        text = strictText(input.body);
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        refused(deps, requestId, guarded ? 400 : undefined, 'invalid_utf8');
        if (guarded) return { kind: 'respond', response: unreadable(err, requestId) };
        return { kind: 'pass', reason: 'invalid_utf8' };
      }
      let ctx;
      try {
        const body = validateChatBody(parseJsonBody(text));
        ctx = buildContext({ requestId, headers: input.headers, body, startedMs: deps.clock.now(), signal: input.signal });
      } catch (err) {
        // Bad JSON or not a chat body: Envoy sends it on untouched and the upstream answers the client.
        // Counted as the gateway counts the request it refuses (and the reference its parse errors).
        if (err instanceof GatewayError) {
          refused(deps, requestId, guarded ? err.status : undefined, String(err.code ?? 'invalid_request'));
          // With a guard on, passing it on would let the engine read what the guard did not: Python's
          // json takes NaN, Infinity and 1e400 and detects UTF-16, vLLM reads a bare string in a
          // content array as text. Answered as the HTTP gateway answers it.
          if (guarded) return { kind: 'respond', response: unreadable(err, requestId) };
          return { kind: 'pass', reason: String(err.code ?? 'invalid_request') };
        }
        throw err;
      }
      // One trace per request, continuing the traceparent Envoy sends (as the gateway's): the stage
      // spans hang under it. A forwarded request's span is held until its answer ends (the meter), as
      // the gateway's: the answer's status, tokens and a stream cut midway belong to its trace.
      const attrs = { 'request.id': ctx.requestId, 'request.model': modelLabel(deps.config, ctx.requestedModel), 'request.stream': ctx.stream };
      let traceId: string | undefined;
      let upstream: ReturnType<typeof startClientSpan> | undefined;
      let candidate: PoolEndpoint | undefined;
      let unserved = false;
      let request: { span: Span; end(): void } | undefined;
      const result = await withRequestSpan(ctx.headers, attrs, async (span, hold) => {
        traceId = activeTraceId();
        let r: PipelineResult = await runRequestPipeline(deps, ctx!);
        if (r.kind === 'forward') {
          // Under semantic_router.backend.selection, as the gateway's forward picks its upstream.
          candidate = selectBackend(pool, r.model)[0];
          // No endpoint serves the model: answered here as the gateway answers it (forward.ts), not
          // passed on without a destination for Envoy's route to send to an engine that lacks it.
          if (!candidate) {
            unserved = true;
            r = { kind: 'respond', response: unservedAnswer(deps, pool, ctx!, r.model) };
          }
        }
        if (r.kind === 'respond') recordHttpStatus(span, r.response.status);
        // The call Envoy makes next, as the reference's upstream span: ended by the answer's head (meter).
        else {
          upstream = startClientSpan(SPAN.UPSTREAM, { 'upstream.model': modelLabel(deps.config, r.model) });
          request = { span, end: hold() };
        }
        return r;
      });
      if (result.kind === 'respond') {
        const r = result.response;
        // An unserved model's line reads as the gateway's (an upstream step that failed), not as a block.
        logRequest(deps, ctx, { status: r.status, error: r.reason === 'cache_hit' ? undefined : r.reason, traceId }, unserved ? undefined : r.reason);
        return result;
      }
      const endpoint = candidate?.hostPort;
      // As the gateway (forward.ts): vLLM sends a stream's usage only when asked, and the token and
      // cost metrics need it; asked only when the answer comes back to be stripped (input.askUsage).
      const stripUsage = input.askUsage === true && ctx.stream && ctx.body.stream === true && !includeUsage(ctx.body);
      return {
        kind: 'forward',
        body: encoder.encode(stripUsage ? askUsage(result.body, ctx.body) : result.body),
        stripUsage,
        model: result.model,
        endpoint,
        requestId: ctx.requestId,
        responseHeaders: { ...ctx.responseHeaders },
        taps: ctx.taps,
        meter: answerMeter(deps, ctx, result.model, { endpoint: candidate?.name, traceId, span: upstream?.span, request }),
        traceHeaders: upstream?.headers,
        // The clean-end check of a streamed answer tracks each choice's finish (stream-end.ts).
        choices: choiceCount(ctx.body.n),
        streams: ctx.stream,
      };
    },
    models: (id) => modelsResponse(deps, startedSec, id),
    // The passed-through generation routes, and the model-serving JSON routes a pii_policy reads
    // (PII_ONLY_ROUTES: /v1/embeddings, /v1/score, ...), read as the HTTP gateway reads them
    // (generation-guard.ts): always, not only when a guard or a restricting policy is on, since an auto
    // model name there is refused 400 and a model no endpoint serves 404 as on the gateway, and their
    // answers are accounted as there. Audio uploads and image edits (MEDIA_ROUTES) hold nothing a guard
    // reads, and the gateway refuses them for a restricting model: read while a pii_policy restricts
    // (the same guardPassthrough decides), else left unread, as any other path, so uploads are not
    // held in ext_proc when nothing could refuse them.
    generationRoute: (path) => (GUARDED_ROUTES.has(path) || PII_ONLY_ROUTES.has(path) || (piiRestricted && MEDIA_ROUTES.has(path)) ? path : undefined),
    async generation(input) {
      const requestId = requestIdFrom(input.headers['x-request-id']);
      // Only part of it would be read (BUFFERED_PARTIAL): refused as too large while a guard reads these.
      if (input.body.length > deps.config.server.max_body_bytes || (input.incomplete && guarded)) {
        // Counted as chat's; logged as the gateway's passthrough logs this refusal (generation-log.ts).
        refused(deps, requestId, 413, 'request_too_large', () => logGenerationLine(deps, { requestId, route: input.route, status: 413, outcome: 'rejected', startedMs: deps.clock.now(), error: 'request_too_large' }));
        return { response: tooLarge(deps.config.server.max_body_bytes, requestId, input.incomplete), headers: {} };
      }
      // Passed on unread, counted as chat's is (a request and a parse_error).
      if (input.incomplete) {
        refused(deps, requestId, undefined, 'request_too_large');
        return { headers: {} };
      }
      return generationGuard(deps, pool, input.route, requestId, input.headers, input.body, input.askUsage === true);
    },
  };
}

/**
 * A request not read as a chat request, counted and logged as the gateway counts and logs the ones it
 * refuses (the reference counts a parse error as a request and an error); `status` when we answer it.
 */
function refused(deps: AppDeps, requestId: string, status: number | undefined, error: string, log?: () => void): void {
  deps.metrics.inc('llm_model_requests_total', { model: 'unknown' });
  deps.metrics.inc('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' });
  if (log) log();
  else deps.logger.info({ request_id: requestId, ...(status ? { status } : {}), error }, status ? 'request rejected' : 'request passed on unread');
}

/**
 * The gateway's answer to a model no endpoint serves (pool.unserved: 404 model_not_found when the
 * client named it, 502 no_endpoint when routing chose it), counted under the model's label as
 * forward.ts counts it; the request's log line is written by the caller.
 */
function unservedAnswer(deps: AppDeps, pool: EndpointPool, ctx: PipelineContext, model: string) {
  const u = pool.unserved(model, ctx.decision?.routed === true);
  deps.metrics.inc('llm_request_errors_total', { model: modelLabel(deps.config, model), reason: u.reason });
  return { status: u.status, headers: { 'x-request-id': ctx.requestId }, contentType: 'application/json', body: errorBody(u.message, u.type, u.code), reason: u.reason };
}

// The gateway's own 413 (api/body.ts), with the request id as on every gateway answer.
function tooLarge(max: number, requestId: string, partial = false) {
  const err = partial
    ? new GatewayError(413, "The request body is larger than the proxy's buffer, so it cannot be read whole.", 'invalid_request_error', 'request_too_large')
    : bodyTooLarge(max);
  return unreadable(err, requestId);
}

/** The gateway's answer to a body it refuses (OpenAI-shaped error, the same status and code). */
function unreadable(err: GatewayError, requestId: string) {
  return { status: err.status, headers: { 'x-request-id': requestId }, contentType: 'application/json', body: errorBody(err.message, err.type, err.code, err.param), reason: String(err.code ?? 'invalid_request') };
}
