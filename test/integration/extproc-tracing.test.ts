// Traces behind Envoy: an ext_proc request is one trace, rooted at semantic_router.request.received
// (kind SERVER) and continuing the traceparent Envoy sends, with the stage spans under it, as on the
// HTTP gateway. Before, the ext_proc door opened no request span: each stage span was a root of its
// own trace (four or five unrelated traces per request) and Envoy's trace was not continued.
// Real gRPC (an Envoy-like client), the real pipeline, the Node tracer provider exporting to memory.
import { describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SPAN, parseTraceparent } from '../../src/observability/tracing.ts';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { requestBody, requestHeaders, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { MEMORY_TRACING, useMemoryTracing } from './helpers/memory-tracing.ts';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
// Tracing first: the provider is up before ext_proc starts and shut down after it closes.
const traces = useMemoryTracing();
const ext = useRealExtProc({ ...MEMORY_TRACING, vllm_endpoints: [{ name: 'production-stack', address: '127.0.0.1', port: 9 }] });

describe('ext_proc traces', () => {
  it('one trace per request: the request span continues Envoy\'s traceparent, the stage spans hang under it', async () => {
    const before = traces.finished().length;
    const s = ext.envoy.open();
    await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'ext-one-trace', traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }));
    const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] })));
    expect(b.response).toBe('request_body');
    s.end();
    // The request span ends with the answer (here Envoy's close, no answer sent): extproc-chat-span.test.ts.
    await traces.requestSpan('ext-one-trace');
    const spans: ReadableSpan[] = traces.finished().slice(before);
    const names = spans.map((x) => x.name);
    for (const n of [SPAN.REQUEST, SPAN.JAILBREAK, SPAN.CACHE_LOOKUP, SPAN.ROUTING, SPAN.PII]) expect(names, n).toContain(n);
    expect(new Set(spans.map((x) => x.spanContext().traceId))).toEqual(new Set([CALLER_TRACE]));
    const root = spans.find((x) => x.name === SPAN.REQUEST)!;
    expect(root.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    for (const x of spans.filter((y) => y !== root)) expect(x.parentSpanContext?.spanId, x.name).toBeDefined();
    const ids = new Set(spans.map((x) => x.spanContext().spanId));
    for (const x of spans.filter((y) => y !== root)) expect(ids.has(x.parentSpanContext!.spanId), x.name).toBe(true);
  });

  it('the request line names the trace, though it is written when the answer ends', async () => {
    const s = ext.envoy.open();
    await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'ext-trace', traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }));
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] })));
    await s.send(responseHeaders({ ':status': '503', 'content-type': 'application/json' }));
    s.end();
    const line = ext.logs.lines.find((l) => l.msg === 'request' && l.obj.request_id === 'ext-trace');
    expect(line?.obj).toMatchObject({ status: 503, trace_id: CALLER_TRACE });
  });

  // As the reference's startUpstreamSpanAndInjectHeaders: the call Envoy makes is a CLIENT span under
  // the request span, named in the traceparent set on the forwarded request, ended by its answer's head.
  it('the upstream call is a CLIENT span, its traceparent set on the forwarded request', async () => {
    const before = traces.finished().length;
    const s = ext.envoy.open();
    await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }));
    const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] })));
    const sent = parseTraceparent(setHeaders(b.request_body.response.header_mutation).traceparent);
    expect(sent?.traceId).toBe(CALLER_TRACE);
    await s.send(responseHeaders({ ':status': '502', 'content-type': 'application/json' }));
    s.end();
    const spans = traces.finished().slice(before);
    const upstream = spans.find((x) => x.name === SPAN.UPSTREAM);
    const root = spans.find((x) => x.name === SPAN.REQUEST)!;
    expect(upstream?.kind).toBe(SpanKind.CLIENT);
    expect(upstream!.spanContext().spanId).toBe(sent!.spanId);
    expect(upstream!.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(upstream!.attributes['http.status_code']).toBe(502);
    expect(upstream!.status.code).toBe(SpanStatusCode.ERROR);
  });
});
