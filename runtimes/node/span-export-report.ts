// Says in the log when spans cannot be exported. The SDK hands a failed export to OpenTelemetry's
// global error handler, which writes to a diag logger nobody sets, so an unreachable or refusing
// collector dropped every span in silence. This wrapper logs the first failure at once, then at most
// one line a minute while failures go on (with the spans dropped meanwhile), and one line when
// exports succeed again. The cause is the error's message: never the exporter's headers.
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../../src/observability/types.ts';

type ExportResult = Parameters<SpanExporter['export']>[1] extends (r: infer R) => void ? R : never;
/** ExportResultCode.SUCCESS of @opentelemetry/core (not a direct dependency here). */
const SUCCESS = 0;
const REPEAT_MS = 60_000;

export class ReportingSpanExporter implements SpanExporter {
  private failing = false;
  private lastLog = 0;
  private dropped = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: Logger,
    private readonly endpoint: string,
    private readonly now: () => number = Date.now,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      this.note(result, spans.length);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private note(result: ExportResult, spans: number): void {
    if (result.code === SUCCESS) {
      if (this.failing) this.logger.info({ endpoint: this.endpoint, dropped: this.dropped }, 'trace export recovered');
      this.failing = false;
      this.dropped = 0;
      return;
    }
    this.dropped += spans;
    const t = this.now();
    if (this.failing && t - this.lastLog < REPEAT_MS) return;
    this.failing = true;
    this.lastLog = t;
    const e = result.error as (Error & { code?: unknown; cause?: { code?: unknown; message?: unknown } }) | undefined;
    const cause = e?.cause && typeof e.cause === 'object' ? e.cause : undefined;
    this.logger.warn(
      { endpoint: this.endpoint, spans, dropped: this.dropped, err: String(cause?.message ?? e?.message ?? 'export failed'), code: cause?.code ?? e?.code },
      'trace export failed; spans dropped',
    );
  }
}
