// Step 7-8 of the request walk: send the rewritten body to an endpoint of the selected model and
// hand the answer back as it arrives. A connection failure moves to the next endpoint, which is
// safe because nothing has reached the client yet; once headers are back the answer is committed.
import type { AppDeps } from '../deps.ts';
import type { RequestErrorReason } from '../observability/label-values.ts';
import type { DoneAnswer, PipelineContext } from '../pipeline/context.ts';
import { errorBody } from '../pipeline/errors.ts';
import { startDoneTaps } from '../pipeline/done-taps.ts';
import { modelLabel } from '../pipeline/categories.ts';
import { UpstreamTooLargeError, readerStream } from './types.ts';
import { sendWithFailover } from './send-failover.ts';
import type { EndpointPool } from './pool.ts';
import { forwardHeaders, headersInit, responseHeaders } from './headers.ts';
import { watchReader } from './sse.ts';
import { recordUsage, pricingFor, type UsageRecord } from '../observability/usage.ts';
import { readErrorText, upstreamErrorBody } from './error-text.ts';
import { idleWatch } from './idle.ts';
import { streamErrorEvent, streamFailure } from './stream-failure.ts';
import { includeUsage } from '../pipeline/request.ts';
import { askUsage } from './usage-strip.ts';
import { chatStreamWhole } from './stream-whole.ts';
import { ChoiceFinishes, choiceCount } from './choice-finish.ts';
import { sseForJson } from './stream-from-json.ts';
import { completionFromStream } from './json-from-stream.ts';
import { upstreamError } from './errors.ts';
import { selectBackend } from '../observability/stage-spans.ts';

export interface ForwardOutcome {
  status: number;
  endpoint?: string;
  ttftMs?: number;
  usage?: UsageRecord;
  error?: string;
}

export interface ForwardInput {
  model: string;
  body: string;
  upstreamHeaders: Record<string, string>;
  /** Called once when the answer is complete (or failed), for the request's log line. */
  onDone?(o: ForwardOutcome): void;
}

// Copies, not `{ ...headers, name: value }`: on Node 20 (V8 11.3) an object spread followed by a
// property costs about 1-2 us a time, 20-40x a copy loop (bench/object-spread.ts).
function json(status: number, body: string, headers: Record<string, string>): Response {
  const h: Record<string, string> = {};
  for (const k in headers) h[k] = headers[k]!;
  h['content-type'] = 'application/json';
  return new Response(body, { status, headers: headersInit(h) });
}

export async function forwardChat(deps: AppDeps, pool: EndpointPool, ctx: PipelineContext, input: ForwardInput): Promise<Response> {
  const label = modelLabel(deps.config, input.model);
  const headers = forwardHeaders(ctx.headers, input.upstreamHeaders);
  const candidates = selectBackend(pool, input.model);
  const done = (o: ForwardOutcome) => input.onDone?.(o);
  const fail = (status: number, reason: RequestErrorReason, message: string, type: string, code: string) => {
    deps.metrics.inc('llm_request_errors_total', { model: label, reason });
    done({ status, error: reason });
    // The request id only: decision headers go on a 2xx answer (as on an upstream's own error answer below).
    return json(status, errorBody(message, type, code), { 'x-request-id': ctx.requestId });
  };
  if (candidates.length === 0) {
    const u = pool.unserved(input.model, ctx.decision?.routed === true);
    return fail(u.status, u.reason, u.message, u.type, u.code);
  }

  // One signal for the upstream request: the client's cancel, or upstream.idle_timeout_ms once the body stalls.
  const idle = idleWatch(deps.config.upstream.idle_timeout_ms, ctx.signal);
  // A streaming client that did not ask for usage: asked for all the same (vLLM sends a stream's usage
  // only when asked, and the token and cost metrics need it), as the reference does, and taken out of
  // the client's stream below. An explicit include_usage: false too: the client's stream is the same.
  const stripUsage = ctx.stream && ctx.body.stream === true && !includeUsage(ctx.body);
  const body = stripUsage ? askUsage(input.body, ctx.body) : input.body;
  const t0 = deps.clock.now();
  const sent = await sendWithFailover(deps, pool, {
    requestId: ctx.requestId,
    label,
    candidates,
    request: { method: 'POST', path: '/v1/chat/completions', headers, body },
    signal: ctx.signal,
    idle,
  });
  if ('error' in sent) {
    const f = sent.error;
    return fail(f.status, f.reason, f.message, f.type, f.code);
  }
  const { res, endpoint: used } = sent;

  // A non-streamed answer's TTFT is its head's arrival, as the reference measures it (its first
  // token is somewhere in a body read whole); the body's end is the completion latency.
  const headMs = deps.clock.now() - t0;
  const outHeaders = responseHeaders(res.headers);
  outHeaders['x-request-id'] = ctx.requestId;
  const ok = res.status >= 200 && res.status < 300;
  // An error answer carries only the request id (set above), not the x-vsr-* decision headers.
  if (ok) Object.assign(outHeaders, ctx.responseHeaders);
  // Media types are case-insensitive (RFC 9110 8.3.1): `Text/Event-Stream` streams too.
  const contentType = (res.headers['content-type'] ?? '').toLowerCase();

  if (!ok) {
    const text = await readErrorText(idle, res);
    deps.metrics.inc('llm_request_errors_total', { model: label, reason: res.status >= 500 ? 'upstream_5xx' : 'upstream_4xx' });
    done({ status: res.status, endpoint: used, error: res.status >= 500 ? 'upstream_5xx' : 'upstream_4xx' });
    return json(res.status, upstreamErrorBody(res.status, text), outHeaders);
  }

  // A stream answered to a request that asked for none (no `stream`, no Accept: text/event-stream)
  // is read whole below and assembled into the JSON the client expects (json-from-stream.ts).
  const streamed = contentType.includes('text/event-stream');
  if (streamed && ctx.stream) {
    let ttftMs: number | undefined;
    // n > 1: the last event says only that some choice finished; each one's finish is tracked.
    const n = choiceCount(ctx.body.n);
    const finishes = n > 1 ? new ChoiceFinishes(n) : undefined;
    const upstream = idle.reader(res.reader ? res.reader() : res.body.getReader());
    const body = watchReader(finishes ? finishes.wrap(upstream) : upstream, ctx.taps, {
      // Only done taps read the events and the completion (usage comes from `last`).
      events: ctx.taps.some((t) => t.done),
      stripUsage,
      wholeEvents: true,
      // A clean end before [DONE] or a finish_reason is a cut the SDK would not see (stream-whole.ts).
      whole: (lastData) => chatStreamWhole(lastData, finishes),
      doneEnds: true,
      firstData: true,
      onFirstByte() {
        ttftMs = deps.clock.now() - t0;
      },
      onEnd({ events, last, completion, oversized, errored }) {
        const usage = recordUsage(deps.metrics, label, usageOf(last ?? completion), pricingFor(deps.config, input.model), {
          latencyMs: deps.clock.now() - t0,
          ttftMs,
          streamed: true,
        });
        // An error event after the 200 head: a failed answer for the metrics and the log, as a cut one.
        if (errored) deps.metrics.inc('llm_request_errors_total', { model: label, reason: 'upstream_5xx' });
        done({ status: res.status, endpoint: used, ttftMs, usage: usage.totalTokens ? usage : undefined, ...(errored ? { error: 'stream_error' } : {}) });
        if (completion) runDoneTaps(deps, ctx, { status: res.status, completion, sse: events });
        else if (oversized) runDoneTaps(deps, ctx, { status: res.status, completion: {}, oversized });
      },
      onError(err, cancelled) {
        // The first token came, whatever happened after it: its time is a TTFT like any other (the
        // reference observes it at the first chunk). No latency or tokens: the answer never ended.
        if (ttftMs !== undefined) recordUsage(deps.metrics, label, undefined, undefined, { ttftMs });
        const reason = streamFailure(deps, err, cancelled, ctx.signal, ctx.requestId, used);
        deps.metrics.inc('llm_request_errors_total', { model: label, reason });
        done({ status: res.status, endpoint: used, ttftMs, error: reason === 'upstream_5xx' ? 'stream_error' : reason });
      },
      onRewriteStopped() {
        // An endless (broken or hostile) event: the rest of the answer goes out unrestored, so say so.
        deps.logger.warn({ request_id: ctx.requestId, endpoint: used }, 'an SSE event outgrew the rewrite bound; rest passed through unrestored');
        deps.metrics.inc('llm_stream_rewrite_stopped_total', { reason: 'event_too_large' });
      },
      // A stalled or cut stream ends with an error event and a close. Not cached: onEnd never ran.
      endWith(err) {
        return ctx.signal?.aborted ? undefined : streamErrorEvent(err);
      },
    });
    // One chunk read ahead on a web stream, as before the reader path (ReadableStream's default).
    return new Response(deps.streamBody ? deps.streamBody(body) : readerStream(body, 1), { status: res.status, headers: headersInit(outHeaders) });
  }

  let text: string;
  try {
    text = await idle.text(res);
  } catch (err) {
    // The upstream cut the answer short (or sent an undecodable body): its failure, not ours.
    if (ctx.signal?.aborted) return fail(499, 'cancellation', 'The client closed the request.', 'api_error', 'client_closed_request');
    if (idle.fired) return fail(504, 'timeout', 'The upstream stopped sending its answer.', 'timeout_error', 'upstream_idle_timeout');
    if (err instanceof UpstreamTooLargeError) {
      return fail(502, 'upstream_error', `The upstream answer is larger than ${err.maxBytes} bytes, the most the gateway reads of a non-streamed answer; ask for stream: true.`, 'upstream_error', 'upstream_response_too_large');
    }
    return fail(502, 'upstream_error', 'The upstream answer ended before it was complete.', 'upstream_error', 'upstream_error');
  }
  const latencyMs = deps.clock.now() - t0;
  const ttftMs = headMs;
  let completion: Record<string, unknown> | undefined;
  if (streamed) {
    const r = completionFromStream(text);
    if ('error' in r) {
      // The upstream's own failure, told in its stream: its message, as an error answer carries it.
      deps.metrics.inc('llm_request_errors_total', { model: label, reason: 'upstream_5xx' });
      done({ status: 502, endpoint: used, ttftMs, error: 'upstream_5xx' });
      return json(502, upstreamError(502, JSON.stringify(r.error)), { 'x-request-id': ctx.requestId });
    }
    if ('incomplete' in r) {
      return fail(502, 'upstream_error', `The upstream answered with an event stream that is no whole chat completion: ${r.incomplete}.`, 'upstream_error', 'upstream_stream_incomplete');
    }
    completion = r.completion;
  } else {
    try {
      completion = JSON.parse(text);
    } catch {
      completion = undefined;
    }
  }
  if (!completion || typeof completion !== 'object') {
    recordUsage(deps.metrics, label, undefined, undefined, { latencyMs, ttftMs });
    done({ status: res.status, endpoint: used, ttftMs });
    return new Response(text, { status: res.status, headers: headersInit(outHeaders) });
  }
  let out = completion;
  for (const t of ctx.taps) if (t.json) out = t.json(out);
  // The upstream was asked for a stream: a completion goes as its chunks, an error as an error event
  // (stream-from-json.ts). A client that asked only by its Accept header gets the JSON the upstream was asked for.
  const sse = ctx.stream && ctx.body.stream === true ? sseForJson(out, includeUsage(ctx.body)) : undefined;
  const usage = recordUsage(deps.metrics, label, usageOf(out), pricingFor(deps.config, input.model), { latencyMs, ttftMs });
  if (sse?.errored) deps.metrics.inc('llm_request_errors_total', { model: label, reason: 'upstream_5xx' });
  done({ status: res.status, endpoint: used, ttftMs, usage: usage.totalTokens ? usage : undefined, ...(sse?.errored ? { error: 'stream_error' } : {}) });
  if (!sse?.errored) runDoneTaps(deps, ctx, { status: res.status, completion: out });
  if (sse) {
    outHeaders['content-type'] = 'text/event-stream';
    return new Response(sse.body, { status: res.status, headers: headersInit(outHeaders) });
  }
  return json(res.status, out === completion && !streamed ? text : JSON.stringify(out), outHeaders);
}

function usageOf(obj: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const u = obj?.usage;
  return u && typeof u === 'object' ? (u as Record<string, unknown>) : undefined;
}

function runDoneTaps(deps: AppDeps, ctx: PipelineContext, answer: DoneAnswer): void {
  void startDoneTaps(ctx.taps, answer, deps.logger, { waitUntil: deps.waitUntil, log: { request_id: ctx.requestId } });
}
