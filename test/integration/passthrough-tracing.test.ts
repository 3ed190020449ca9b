// Traces of a passed-through request (/v1/completions): a SERVER request span continuing the caller's
// traceparent, and the upstream call a CLIENT span (as the reference marks semantic_router.upstream.request)
// whose id the engine receives in its traceparent. Real sockets, the mock Production Stack router.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { SPAN, parseTraceparent } from '../../src/observability/tracing.ts';
import { startGateway, type Gateway } from './gateway-harness.ts';
import { useMemoryTracing } from './helpers/memory-tracing.ts';

const CALLER_TRACE = '5bf92f3577b34da6a3ce929d0e0e4737';
const CALLER_SPAN = '10f067aa0ba902b8';
let gw: Gateway;

const traces = useMemoryTracing();
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.close());

describe('passthrough traces', () => {
  it('the upstream call is a CLIENT span under the request span, named in the traceparent the engine gets', async () => {
    const res = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      body: JSON.stringify({ model: 'qwen3', prompt: 'Say hi' }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const spans = traces.finished().filter((s) => s.spanContext().traceId === CALLER_TRACE);
    const root = spans.find((s) => s.name === SPAN.REQUEST)!;
    const upstream = spans.find((s) => s.name === SPAN.UPSTREAM)!;
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(upstream.kind).toBe(SpanKind.CLIENT);
    expect(upstream.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    const seen = gw.mock.mock.requests.at(-1)!;
    expect(seen.path).toBe('/v1/completions');
    expect(parseTraceparent(seen.headers['traceparent'])?.spanId).toBe(upstream.spanContext().spanId);
  });
});
