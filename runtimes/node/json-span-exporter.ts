// The `stdout` trace exporter: one JSON line per span, so spans sit in the same log stream as pino's
// lines and stay machine-readable (the SDK's ConsoleSpanExporter prints multi-line util.inspect output).
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';

type Result = Parameters<SpanExporter['export']>[1] extends (r: infer R) => void ? R : never;

const hrMs = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;

export function spanToJson(s: ReadableSpan): Record<string, unknown> {
  const sc = s.spanContext();
  return {
    event: 'span',
    time: new Date(hrMs(s.startTime)).toISOString(),
    name: s.name,
    kind: SpanKind[s.kind]?.toLowerCase(),
    trace_id: sc.traceId,
    span_id: sc.spanId,
    parent_span_id: s.parentSpanContext?.spanId,
    duration_ms: Math.round(hrMs(s.duration) * 1000) / 1000,
    status: s.status.code === 0 ? undefined : s.status,
    attributes: s.attributes,
    service: s.resource.attributes['service.name'],
  };
}

export class JsonLineSpanExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void = (l) => void process.stdout.write(l)) {}

  export(spans: ReadableSpan[], done: (result: Result) => void): void {
    try {
      for (const s of spans) this.write(JSON.stringify(spanToJson(s)) + '\n');
      done({ code: 0 } as Result);
    } catch (error) {
      done({ code: 1, error: error as Error } as Result);
    }
  }

  async shutdown(): Promise<void> {}
}
