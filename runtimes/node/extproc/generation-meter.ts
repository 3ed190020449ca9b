// The answer of a passed-through generation route (/v1/completions, /v1/responses, /v1/messages) behind
// Envoy, accounted as the HTTP gateway's passthrough accounts it (src/api/passthrough-forward.ts,
// passthrough.ts): its error status at the head (upstream_5xx / upstream_4xx), then from the body the
// gateway reads the same way (passthrough-usage.ts: a JSON answer's last usage block, an SSE answer's
// usage events, Responses' and Messages' names mapped to OpenAI's) the token, cost, latency and TTFT
// metrics; a completions stream that ends before it is whole (stream-reply.ts, as on the gateway) is an
// upstream_5xx, and Envoy resetting the stream before the end (the client left) a cancellation. One
// request line, as the gateway's passthrough writes it. Without it these answers counted requests only.
import type { AppDeps } from '../../../src/deps.ts';
import type { RequestErrorReason } from '../../../src/observability/label-values.ts';
import { modelLabel } from '../../../src/pipeline/categories.ts';
import { pricingFor, recordUsage, type Usage, type UsageRecord } from '../../../src/observability/usage.ts';
import { openAiUsage, SseUsage, TailKeeper } from '../../../src/api/passthrough-usage.ts';
import type { BodyReader } from '../../../src/upstream/types.ts';
import type { AnswerMeter } from './answer-meter.ts';
import { CUT_MESSAGE } from './stream-end.ts';
import { logGenerationLine } from './generation-log.ts';
import { recordAnswerEnd, recordHttpStatus } from '../../../src/observability/tracing.ts';
import { SpanStatusCode, type Span } from '@opentelemetry/api';

export interface GenerationMeter extends AnswerMeter {
  /** The upstream's bytes as they came: where the usage is read from. */
  read(bytes: Uint8Array | undefined): void;
}

export interface GenerationRequest {
  route: string;
  requestId: string;
  /** The model the body names (undefined: none). */
  model?: string;
  /** The request span (ended by `end` with the answer, as the gateway's), its trace id, and the upstream call's span (ended at the head). */
  trace?: { traceId?: string; span: Span; end(): void; upstream?: Span };
}

// The readers are fed chunk by chunk here (keep), not pulled: Envoy hands ext_proc the bytes.
const NO_SOURCE: BodyReader = { read: () => Promise.resolve({ done: true, value: undefined }), cancel: () => Promise.resolve() };

export function generationMeter(deps: AppDeps, req: GenerationRequest): GenerationMeter {
  const { metrics, config } = deps;
  const label = req.model === undefined ? 'unknown' : modelLabel(config, req.model);
  const t0 = deps.clock.now();
  let status = 0;
  let sse = false;
  let ttftMs: number | undefined;
  let ended = false;
  let tail: TailKeeper | undefined;
  let events: SseUsage | undefined;
  const usage = (): Usage | undefined => {
    const u = sse ? events?.usage() : openAiUsage(tail?.usage());
    return u && typeof u === 'object' ? (u as Usage) : undefined;
  };
  const record = () => recordUsage(metrics, label, usage(), req.model === undefined ? undefined : pricingFor(config, req.model), { latencyMs: deps.clock.now() - t0, ttftMs, streamed: sse });
  const error = (reason: RequestErrorReason) => metrics.inc('llm_request_errors_total', { model: label, reason });
  // The first byte came, whatever happened after it: its time is a TTFT like any other.
  const firstByteOnly = () => ttftMs !== undefined && recordUsage(metrics, label, undefined, undefined, { ttftMs });
  const finish = (o: { usage?: UsageRecord; error?: string }) => {
    ended = true;
    if (req.trace) {
      recordAnswerEnd(req.trace.span, { status, error: o.error, usage: o.usage });
      req.trace.end();
    }
    logGenerationLine(deps, { requestId: req.requestId, route: req.route, status, outcome: o.error ? 'error' : 'upstream', startedMs: t0, stream: sse, model: req.model, error: o.error, ttftMs, usage: o.usage, traceId: req.trace?.traceId });
  };
  // The upstream call's span ends at the answer's head (or Envoy's reset before it), as chat's (answer-meter.ts).
  const endUpstream = (s: number | undefined) => {
    const up = req.trace?.upstream;
    if (!up?.isRecording()) return;
    if (s === undefined) up.setStatus({ code: SpanStatusCode.ERROR, message: 'cancelled' });
    else recordHttpStatus(up, s);
    up.end();
  };
  return {
    head(s, streamed) {
      endUpstream(s);
      if (ended) return;
      status = s;
      sse = streamed;
      if (s >= 400) {
        const reason = s >= 500 ? 'upstream_5xx' : 'upstream_4xx';
        error(reason);
        finish({ error: reason });
      }
      tail = sse ? undefined : new TailKeeper(NO_SOURCE);
      events = sse ? new SseUsage(NO_SOURCE) : undefined;
    },
    read(bytes) {
      if (!bytes?.byteLength || ended) return;
      tail?.keep(bytes);
      events?.keep(bytes);
    },
    firstChunk() {
      if (ttftMs === undefined) ttftMs = deps.clock.now() - t0;
    },
    end() {
      if (ended) return;
      const rec = record();
      finish({ usage: rec.totalTokens ? rec : undefined });
    },
    failed(cut) {
      if (ended) return;
      // As the gateway: a cut read is logged and counted, its usage not recorded; an answer that ended
      // on the upstream's own error event is recorded, and counted as failed.
      let rec: UsageRecord | undefined;
      if (cut) {
        deps.logger.warn({ request_id: req.requestId, err: CUT_MESSAGE }, 'upstream answer failed mid-stream');
        firstByteOnly();
      } else rec = record();
      error('upstream_5xx');
      finish({ usage: rec?.totalTokens ? rec : undefined, error: 'stream_error' });
    },
    replaced(s, reason) {
      if (ended) return;
      status = s;
      error(reason);
      finish({ error: reason });
    },
    unseen() {
      // Envoy sends no body here (response_body_mode NONE): nothing to read, the line only (the call's
      // span ends here when no head came either: response headers skipped).
      if (req.trace?.upstream?.isRecording()) req.trace.upstream.end();
      if (!ended) finish({});
    },
    cancel() {
      endUpstream(undefined);
      if (ended) return;
      firstByteOnly();
      error('cancellation');
      finish({ error: 'cancellation' });
    },
  };
}
