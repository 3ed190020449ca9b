// Forwarding for server.passthrough_paths: the endpoint choice, failover, timeouts and error shapes
// of chat (upstream/forward.ts), but the client's body goes as it was sent (bytes, content type) and
// the upstream's answer comes back as it was sent, chunk by chunk, JSON and SSE alike. Only the
// usage block is read from it (token metrics), never the content.
import type { AppDeps } from '../deps.ts';
import type { RequestErrorReason } from '../observability/label-values.ts';
import type { Metrics } from '../observability/types.ts';
import type { EndpointPool } from '../upstream/pool.ts';
import { errorBody } from '../pipeline/errors.ts';
import { forwardHeaders, headersInit, responseHeaders } from '../upstream/headers.ts';
import { readErrorText, upstreamErrorBody } from '../upstream/error-text.ts';
import { idleWatch } from '../upstream/idle.ts';
import { streamErrorEvent, streamFailure } from '../upstream/stream-failure.ts';
import { watchReader } from '../upstream/sse.ts';
import { chatStreamWhole } from '../upstream/stream-whole.ts';
import { ChoiceFinishes } from '../upstream/choice-finish.ts';
import { readerStream, type CancelSignal } from '../upstream/types.ts';
import { sendWithFailover } from '../upstream/send-failover.ts';
import { pricingFor, recordUsage, type UsageRecord } from '../observability/usage.ts';
import { selectBackend } from '../observability/stage-spans.ts';
import { openAiUsage, SseUsage, TailKeeper } from './passthrough-usage.ts';

export interface PassthroughRequest {
  requestId: string;
  method: string;
  /** Path and query as the client sent them. */
  path: string;
  clientHeaders: Record<string, string>;
  body?: Uint8Array;
  /** The model the body names (endpoint choice); undefined: any endpoint. */
  model?: string;
  /** Its metrics label (modelLabel, or "unknown" when the body names none). */
  label: string;
  /** false: a request no model serves (GET /version, a CORS preflight): the per-model families
   *  (errors, latency, tokens) leave it out, as llm_model_requests_total does (passthrough.ts). */
  modelRequest?: boolean;
  /** The body's n (choiceCount), when it was read as JSON: a completions stream's choices to finish. */
  choices?: number;
  /** The gateway asked for the stream's usage (passthrough.ts): counted, then taken out of the client's stream. */
  stripUsage?: boolean;
  signal?: CancelSignal;
}

export interface PassthroughOutcome {
  status: number;
  endpoint?: string;
  ttftMs?: number;
  usage?: UsageRecord;
  error?: string;
  streamed?: boolean;
}

// Statuses whose answer has no body (a Response with one cannot be built).
const NO_BODY = new Set([204, 205, 304]);

// The per-model families' sink for a request no model serves.
const UNCOUNTED: Metrics = { inc() {}, observe() {}, set() {}, render: () => '' };

const json = (status: number, body: string, headers: Record<string, string>) =>
  new Response(body, { status, headers: headersInit({ ...headers, 'content-type': 'application/json' }) });

/** Client headers for the upstream: chat's rules (hop-by-hop dropped), but the body's own type and coding kept. */
function upstreamHeaders(req: PassthroughRequest): Record<string, string> {
  const out = forwardHeaders(req.clientHeaders, { 'x-request-id': req.requestId });
  const type = req.clientHeaders['content-type'];
  if (type) out['content-type'] = type;
  else delete out['content-type'];
  const coding = req.clientHeaders['content-encoding'];
  if (coding) out['content-encoding'] = coding;
  return out;
}

export async function forwardPassthrough(deps: AppDeps, pool: EndpointPool, req: PassthroughRequest, onDone: (o: PassthroughOutcome) => void): Promise<Response> {
  const { config } = deps;
  const metrics = req.modelRequest === false ? UNCOUNTED : deps.metrics;
  const { label } = req;
  const idHeader = { 'x-request-id': req.requestId };
  const fail = (status: number, reason: RequestErrorReason, message: string, type: string, code: string) => {
    metrics.inc('llm_request_errors_total', { model: label, reason });
    onDone({ status, error: reason });
    return json(status, errorBody(message, type, code), idHeader);
  };
  // A model of model_config gets its preferred_endpoints, else the endpoints that serve it; no name, all.
  const candidates = selectBackend(pool, req.model ?? '');
  if (candidates.length === 0) {
    const u = pool.unserved(req.model ?? '', false);
    return fail(u.status, u.reason, u.message, u.type, u.code);
  }

  const headers = upstreamHeaders(req);
  const idle = idleWatch(config.upstream.idle_timeout_ms, req.signal);
  const t0 = deps.clock.now();
  const sent = await sendWithFailover(deps, pool, {
    requestId: req.requestId,
    label,
    candidates,
    request: { method: req.method, path: req.path, headers, body: req.body },
    signal: req.signal,
    idle,
  });
  if ('error' in sent) {
    const f = sent.error;
    return fail(f.status, f.reason, f.message, f.type, f.code);
  }
  const { res, endpoint: used } = sent;

  const status = res.status;
  const outHeaders = { ...responseHeaders(res.headers), ...idHeader };
  if (status >= 400) {
    // The upstream's error, in OpenAI's shape whatever the engine or a proxy wrote, with its status.
    const text = await readErrorText(idle, res);
    const reason = status >= 500 ? 'upstream_5xx' : 'upstream_4xx';
    metrics.inc('llm_request_errors_total', { model: label, reason });
    onDone({ status, endpoint: used, error: reason });
    return json(status, upstreamErrorBody(status, text), outHeaders);
  }
  if (NO_BODY.has(status) || req.method === 'HEAD') {
    await idle.text(res).catch(() => '');
    recordUsage(metrics, label, undefined, undefined, { latencyMs: deps.clock.now() - t0 });
    onDone({ status, endpoint: used });
    return new Response(null, { status, headers: headersInit(outHeaders) });
  }

  const sse = (res.headers['content-type'] ?? '').includes('text/event-stream');
  const src = idle.reader(res.reader ? res.reader() : res.body.getReader());
  // Token counts: a JSON answer's last usage block, an SSE answer's usage events (passthrough-usage.ts).
  const tail = sse ? undefined : new TailKeeper(src);
  const sseUsage = sse ? new SseUsage(src) : undefined;
  let ttftMs: number | undefined;
  // A completions stream ends as a chat one (vLLM: [DONE] after the finishing chunks), so a clean end
  // before it is a cut and [DONE] ends it (stream-whole.ts, sse-done.ts); other SSE routes end otherwise.
  const completions = sse && req.path.split('?')[0] === '/v1/completions';
  // n > 1: each choice's finish is tracked (choice-finish.ts), not only the last chunk's.
  const finishes = completions && (req.choices ?? 1) > 1 ? new ChoiceFinishes(req.choices!) : undefined;
  const body = watchReader(finishes ? finishes.wrap(sseUsage!) : (tail ?? sseUsage!), [], {
    events: false,
    wholeEvents: sse,
    whole: completions ? (lastData) => chatStreamWhole(lastData, finishes) : undefined,
    doneEnds: completions,
    firstData: sse,
    stripUsage: sse && req.stripUsage === true,
    onFirstByte() {
      ttftMs = deps.clock.now() - t0;
    },
    onEnd({ errored }) {
      const u = sse ? sseUsage!.usage() : openAiUsage(tail!.usage());
      const usage = recordUsage(metrics, label, u && typeof u === 'object' ? u : undefined, req.model === undefined ? undefined : pricingFor(config, req.model), {
        latencyMs: deps.clock.now() - t0,
        ttftMs,
        streamed: sse,
      });
      if (errored) metrics.inc('llm_request_errors_total', { model: label, reason: 'upstream_5xx' });
      onDone({ status, endpoint: used, ttftMs, usage: usage.totalTokens ? usage : undefined, streamed: sse, ...(errored ? { error: 'stream_error' } : {}) });
    },
    onError(err, cancelled) {
      // The first byte came, whatever happened after it: its time is a TTFT like any other (as chat's, forward.ts).
      if (ttftMs !== undefined) recordUsage(metrics, label, undefined, undefined, { ttftMs });
      const reason = streamFailure(deps, err, cancelled, req.signal, req.requestId, used);
      metrics.inc('llm_request_errors_total', { model: label, reason });
      onDone({ status, endpoint: used, ttftMs, streamed: sse, error: reason === 'upstream_5xx' ? 'stream_error' : reason });
    },
    // An SSE answer that stalls or is cut ends with an OpenAI error event, as chat's; a JSON answer
    // has no way to say so in-band, so the client sees the cut.
    endWith(err) {
      return !sse || req.signal?.aborted ? undefined : streamErrorEvent(err);
    },
  });
  return new Response(deps.streamBody ? deps.streamBody(body) : readerStream(body, 1), { status, headers: headersInit(outHeaders) });
}
