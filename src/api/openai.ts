// The OpenAI surface: POST /v1/chat/completions (JSON and SSE) and GET /v1/models.
import type { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { buildContext, parseJsonBody, validateChatBody } from '../pipeline/request.ts';
import { runRequestPipeline } from '../pipeline/run.ts';
import { errorBody, GatewayError } from '../pipeline/errors.ts';
import { modelLabel } from '../pipeline/categories.ts';
import { activeTraceId, ATTR, recordAnswerEnd, recordHttpStatus, withRequestSpan } from '../observability/tracing.ts';
import { logRequest } from '../observability/request-log.ts';
import type { EndpointPool } from '../upstream/pool.ts';
import { forwardChat } from '../upstream/forward.ts';
import { checkContentEncoding, checkJsonContentType, readBodyText } from './body.ts';
import { errorResponse, fromGatewayError } from './errors.ts';
import { cancelOutcome } from './cancel-outcome.ts';
import { modelNotFound, retrieveFromUpstream } from './model-retrieve.ts';

// A client's id is kept (it finds its request in the logs by it) when it looks like an id: no
// whitespace, no non-ASCII, and no '@', so an e-mail address sent as an id never reaches a log line.
const REQUEST_ID = /^[\w.:/+=-]{1,128}$/;

export function requestIdFrom(header: string | undefined | null): string {
  return header && REQUEST_ID.test(header) ? header : crypto.randomUUID();
}

export function headerRecord(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

/** Auto names first, then every configured model once (OpenAI list shape). */
export function modelList(deps: AppDeps, createdSec: number) {
  const { config } = deps;
  const ids: string[] = [];
  const add = (id: string) => {
    if (!ids.includes(id)) ids.push(id);
  };
  config.routing.auto_model_names.forEach(add);
  const autos = ids.length;
  // The reference's v0.1 include_config_models_in_list: false lists the auto names only.
  if (config.include_config_models_in_list === false) return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: createdSec, owned_by: config.routing.owned_by })) };
  add(config.default_model);
  Object.keys(config.model_config).forEach(add);
  for (const c of config.categories) for (const ms of c.model_scores) add(ms.model);
  // A classic config may name an endpoint's models only there (vllm_endpoints[].models).
  for (const e of config.vllm_endpoints) for (const m of Array.isArray(e.models) ? e.models : []) if (typeof m === 'string' && m) add(m);
  return {
    object: 'list',
    data: ids.map((id, i) => ({ id, object: 'model', created: createdSec, owned_by: i < autos ? config.routing.owned_by : 'vllm' })),
  };
}

/** GET /v1/models/{id}: the list's entry, else OpenAI's 404 model_not_found (both doors answer it). */
export function modelRetrieve(deps: AppDeps, createdSec: number, id: string): { status: number; body: string } {
  const model = modelList(deps, createdSec).data.find((m) => m.id === id);
  if (model) return { status: 200, body: JSON.stringify(model) };
  return { status: 404, body: modelNotFound(id) };
}

export function registerOpenAI(app: Hono, deps: AppDeps, pool: EndpointPool): void {
  const started = Math.floor(deps.clock.wallMs() / 1000);
  app.get('/v1/models', (c) => c.json(modelList(deps, started)));
  // OpenAI's retrieve (the SDKs' models.retrieve): one entry of the list. The id may hold a slash
  // ("vllm-sr/auto"), sent as is or as %2F (the SDK encodes it); the param is decoded either way.
  app.get('/v1/models/:id{.+}', async (c) => {
    const id = c.req.param('id');
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    let r = modelRetrieve(deps, started, id);
    // Not listed here (auto names always are): the endpoints that would serve it say (model-retrieve.ts).
    if (r.status === 404) {
      const headers = deps.requestHeaders?.(c.env) ?? headerRecord(c.req.raw.headers);
      r = await retrieveFromUpstream(deps, pool, { id, requestId, clientHeaders: headers, signal: deps.clientSignal?.(c.env) ?? c.req.raw.signal });
    }
    // An error carries the request id, as every error answer does (the list and the entry do not).
    const idHeader: Record<string, string> = r.status === 200 ? {} : { 'x-request-id': requestId };
    return new Response(r.body, { status: r.status, headers: { 'content-type': 'application/json', ...idHeader } });
  });

  app.post('/v1/chat/completions', async (c) => {
    const startedMs = deps.clock.now();
    // Taken before the first await, so a client that leaves while the body is read is seen too.
    const signal = deps.clientSignal?.(c.env) ?? c.req.raw.signal;
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    const idHeader = { 'x-request-id': requestId };
    const headers = deps.requestHeaders?.(c.env) ?? headerRecord(c.req.raw.headers);
    // The span opens before the body is read, so a request refused for its body is traced too.
    return withRequestSpan(headers, { 'request.id': requestId, [ATTR.HTTP_METHOD]: 'POST', [ATTR.HTTP_PATH]: '/v1/chat/completions' }, async (span, hold) => {
      let ctx: PipelineContext;
      try {
        checkJsonContentType(c.req.header('content-type'));
        checkContentEncoding(c.req.header('content-encoding'), c.req.header('transfer-encoding'));
        const text = await readBodyText(c.req.raw, deps.config.server.max_body_bytes, true);
        const body = validateChatBody(parseJsonBody(text), deps.config.default_model);
        ctx = buildContext({ requestId, headers, body, startedMs, signal });
      } catch (err) {
        if (err instanceof GatewayError) {
          // A request all the same (the reference counts it under its unknown model): errors / requests hold.
          deps.metrics.inc('llm_model_requests_total', { model: 'unknown' });
          deps.metrics.inc('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' });
          deps.logger.info({ request_id: requestId, status: err.status, error: err.code }, 'request rejected');
          recordHttpStatus(span, err.status);
          return fromGatewayError(err, idHeader);
        }
        // A client that leaves while its body is read is a cancellation, not a server error (nobody reads
        // the 499); a body cut by the server's request timeout is a 408 (Node's, already sent): cancel-outcome.ts.
        if (signal?.aborted || (err as { code?: string } | undefined)?.code === 'ECONNRESET') {
          const o = cancelOutcome(signal);
          deps.metrics.inc('llm_model_requests_total', { model: 'unknown' });
          deps.metrics.inc('llm_request_errors_total', { model: 'unknown', reason: o.reason });
          deps.logger.info({ request_id: requestId, status: o.status, error: o.code }, o.status === 408 ? 'request timed out' : 'request cancelled');
          recordHttpStatus(span, o.status);
          return errorResponse(o.status, o.message, o.status === 408 ? 'invalid_request_error' : 'api_error', o.code, null, idHeader);
        }
        throw err;
      }
      if (span.isRecording()) span.setAttributes({ 'request.model': modelLabel(deps.config, ctx.requestedModel), 'request.stream': ctx.stream });
      const traceId = activeTraceId();
      const result = await runRequestPipeline(deps, ctx);
      // Properties before spreads below: a spread followed by properties costs 1-2 us on Node 20 (bench/object-spread.ts).
      let res: Response;
      if (result.kind === 'respond') {
        const r = result.response;
        logRequest(deps, ctx, { status: r.status, error: r.reason === 'cache_hit' ? undefined : r.reason, traceId }, r.reason);
        // The root span tells how the request ended: the status the client got.
        recordHttpStatus(span, r.status);
        res = new Response(r.body, { status: r.status, headers: { ...r.headers, 'x-request-id': requestId, 'content-type': r.contentType } });
      } else {
        // The span ends with the answer's last byte (onDone), not its head: a stream's time, tokens
        // and a failure midway belong to the request's trace (its status attribute is the head's).
        const end = hold();
        res = await forwardChat(deps, pool, ctx, {
          onDone: (o) => {
            logRequest(deps, ctx, { traceId, ...o });
            recordAnswerEnd(span, o);
            end();
          },
          ...result,
        });
      }
      return res;
    });
  });

}
