// Span helper over the OpenTelemetry API (runtime-agnostic: without a registered SDK it is a no-op).
// Span names follow the reference: semantic_router.request.received, .classification,
// .security.jailbreak_detection, .security.pii_detection, .cache.lookup, .routing.decision, .upstream.request
import { trace, SpanStatusCode, type Span, type Attributes } from '@opentelemetry/api';

const tracer = () => trace.getTracer('semroute');

export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      throw err;
    } finally {
      span.end();
    }
  });
}
