// The upstream answer's accounting when Envoy sends the request (ext_proc): what the gateway's
// forwardChat records around its own upstream call, recorded from the messages Envoy sends back:
// llm_request_errors_total by upstream status, TTFT (the head of a JSON answer, the first chunk of a
// stream, as the reference's processor_res_header.go), completion latency, tokens and cost, and the
// request's one log line. Without it an ext_proc deployment showed requests and routing, never an
// upstream error, a token or a latency.
import type { AppDeps } from '../../../src/deps.ts';
import type { PipelineContext } from '../../../src/pipeline/context.ts';
import type { RequestErrorReason } from '../../../src/observability/label-values.ts';
import { modelLabel } from '../../../src/pipeline/categories.ts';
import { logRequest, type RequestEnd } from '../../../src/observability/request-log.ts';
import { pricingFor, recordUsage, type Usage } from '../../../src/observability/usage.ts';
import { recordAnswerEnd, recordHttpStatus } from '../../../src/observability/tracing.ts';
import { CUT_MESSAGE } from './stream-end.ts';
import { SpanStatusCode, type Span } from '@opentelemetry/api';

export interface AnswerMeter {
  /** The upstream's response head: its status, and whether the answer streams (SSE). */
  head(status: number, streamed: boolean): void;
  /** A streamed answer's first body chunk. */
  firstChunk(): void;
  /** The whole body was seen: latency, tokens from its usage block (when it has one), the log line. */
  end(usage?: unknown): void;
  /**
   * A stream that ended cleanly but failed, as the gateway counts it (upstream_5xx, the log line's
   * stream_error): `cut`, it ended before it was whole (stream-end.ts, logged as the gateway logs a cut
   * read); else it carried the upstream's own error event (its usage, if any, still counted).
   */
  failed(cut: boolean, usage?: unknown): void;
  /** ext_proc answered in the upstream's place (stream-answer.ts): counted and logged with its status, as the gateway's own answer. */
  replaced(status: number, reason: RequestErrorReason): void;
  /** The body goes by unseen (Envoy was told NONE): the head's TTFT and the log line only. */
  unseen(): void;
  /** Envoy closed the stream before the answer ended (the client left, the upstream reset). */
  cancel(): void;
}

export interface AnswerMeterOptions {
  /** The configured endpoint the pool picked (for the log line). */
  endpoint?: string;
  /** The request's trace, for the log line written after its span ended. */
  traceId?: string;
  /** The upstream call's span: ended at the answer's head with its status, or at a cancel. */
  span?: Span;
  /** The request span, held open until the answer ends (as the gateway's): its status, tokens and failure. */
  request?: { span: Span; end(): void };
}

export function answerMeter(deps: AppDeps, ctx: PipelineContext, model: string, opts: AnswerMeterOptions = {}): AnswerMeter {
  const { endpoint, traceId, span, request } = opts;
  const t0 = deps.clock.now();
  const label = modelLabel(deps.config, model);
  let status = 0;
  let streamed = false;
  let ttftMs: number | undefined;
  let ended = false;
  const finish = (o: Partial<RequestEnd>) => {
    ended = true;
    const end = { status, endpoint, ttftMs, traceId, ...o };
    logRequest(deps, ctx, end);
    if (request) {
      // No head came (Envoy closed first, or skipped it): no status to record.
      if (end.status) recordAnswerEnd(request.span, end);
      request.end();
    }
  };
  const error = (reason: RequestErrorReason) => {
    deps.metrics.inc('llm_request_errors_total', { model: label, reason });
    finish({ error: reason });
  };
  // The first token came, whatever happened after it: its time is a TTFT like any other (as the
  // gateway's forward.ts records it). No latency or tokens: the answer never ended.
  const firstTokenOnly = () => streamed && ttftMs !== undefined && recordUsage(deps.metrics, label, undefined, undefined, { ttftMs });
  return {
    head(s, sse) {
      if (span?.isRecording()) {
        recordHttpStatus(span, s);
        span.end();
      }
      if (ended) return;
      status = s;
      streamed = sse;
      if (s >= 400) error(s >= 500 ? 'upstream_5xx' : 'upstream_4xx');
      else if (!sse) ttftMs = deps.clock.now() - t0;
    },
    firstChunk() {
      if (ttftMs === undefined) ttftMs = deps.clock.now() - t0;
    },
    end(usage) {
      if (ended) return;
      const u = usage && typeof usage === 'object' ? (usage as Usage) : undefined;
      const rec = recordUsage(deps.metrics, label, u, pricingFor(deps.config, model), { latencyMs: deps.clock.now() - t0, ttftMs, streamed });
      finish({ usage: rec.totalTokens ? rec : undefined });
    },
    failed(cut, usage) {
      if (ended) return;
      if (cut) {
        deps.logger.warn({ request_id: ctx.requestId, endpoint, err: CUT_MESSAGE }, 'upstream answer failed mid-stream');
        firstTokenOnly();
      }
      const u = !cut && usage && typeof usage === 'object' ? (usage as Usage) : undefined;
      const rec = cut ? undefined : recordUsage(deps.metrics, label, u, pricingFor(deps.config, model), { latencyMs: deps.clock.now() - t0, ttftMs, streamed });
      deps.metrics.inc('llm_request_errors_total', { model: label, reason: 'upstream_5xx' });
      finish({ usage: rec?.totalTokens ? rec : undefined, error: 'stream_error' });
    },
    replaced(s, reason) {
      if (ended) return;
      status = s;
      error(reason);
    },
    unseen() {
      // No head came either (response headers skipped): the call's span ends here, its status unknown.
      if (span?.isRecording()) span.end();
      if (ended) return;
      recordUsage(deps.metrics, label, undefined, undefined, { ttftMs });
      finish({});
    },
    cancel() {
      // Envoy gave up before the head: the call ends here, unanswered.
      if (span?.isRecording()) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'cancelled' });
        span.end();
      }
      if (ended) return;
      firstTokenOnly();
      error('cancellation');
    },
  };
}
