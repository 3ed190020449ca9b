// Traces of the passed-through generation routes behind Envoy, as the HTTP gateway traces them
// (src/api/passthrough.ts): one semantic_router.request.received span (SERVER) continuing the caller's
// traceparent, the guard's scans under it, held until the answer's last byte with its status and token
// counts; the call Envoy makes is a CLIENT span named in the traceparent set on the forwarded request
// (as chat's through ext_proc); the request line names the trace. Before, ext_proc opened no span for
// these routes: no trace at all, and the engine got the client's traceparent as sent. Real gRPC, the
// real pipeline, the Node tracer provider exporting to memory.
import { describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { SPAN, parseTraceparent } from '../../src/observability/tracing.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { MEMORY_TRACING, useMemoryTracing } from './helpers/memory-tracing.ts';

const CALLER_TRACE = '5bf92f3577b34da6a3ce929d0e0e4737';
const CALLER_SPAN = '10f067aa0ba902b8';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
// Tracing first: the provider is up before ext_proc starts and shut down after it closes.
const traces = useMemoryTracing();
const ext = useRealExtProc({ prompt_guard: { enabled: true, threshold: 0.7, on_error: 'allow' }, ...MEMORY_TRACING, vllm_endpoints: [{ name: 'production-stack', address: '127.0.0.1', port: 9 }] });

const head = (id: string) => ({ ':method': 'POST', ':path': '/v1/completions', 'content-type': 'application/json', 'x-request-id': id, traceparent: TRACEPARENT });
const finished = (from: number): ReadableSpan[] => traces.finished().slice(from);

describe('ext_proc traces the generation routes as the gateway does', () => {
  it('a passed request: a request span continuing the caller, held until the answer ends with its tokens; the upstream call a CLIENT span named in the forwarded traceparent', async () => {
    const before = traces.finished().length;
    const s = ext.envoy.open();
    await s.send({ ...requestHeaders(head('gen-trace')), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } });
    const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', prompt: 'Name a river.' })));
    expect(b.response).toBe('request_body');
    const sent = parseTraceparent(setHeaders(b.request_body.response.header_mutation).traceparent);
    expect(sent?.traceId, 'a traceparent naming our span is set on the forwarded request').toBe(CALLER_TRACE);
    expect(sent!.spanId).not.toBe(CALLER_SPAN);
    expect(finished(before).some((x) => x.name === SPAN.REQUEST), 'the request span waits for the answer').toBe(false);

    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.send(responseBody(JSON.stringify({ id: 'c', object: 'text_completion', choices: [{ index: 0, text: 'Rhine', finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 } }), true));
    s.end();
    const spans = finished(before);
    const root = spans.find((x) => x.name === SPAN.REQUEST);
    expect(root?.kind).toBe(SpanKind.SERVER);
    expect(root!.spanContext().traceId).toBe(CALLER_TRACE);
    expect(root!.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(root!.attributes).toMatchObject({ 'request.id': 'gen-trace', 'http.status_code': 200, 'token.count.prompt': 4, 'token.count.completion': 1 });
    const upstream = spans.find((x) => x.name === SPAN.UPSTREAM);
    expect(upstream?.kind).toBe(SpanKind.CLIENT);
    expect(upstream!.spanContext().spanId).toBe(sent!.spanId);
    expect(upstream!.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
    const line = ext.logs.lines.find((l) => l.msg === 'request' && l.obj.request_id === 'gen-trace');
    expect(line?.obj).toMatchObject({ status: 200, trace_id: CALLER_TRACE });
  });

  it('a guard refusal (token ids the guard cannot read) is traced with its status', async () => {
    const before = traces.finished().length;
    const s = ext.envoy.open();
    await s.send(requestHeaders(head('gen-trace-refused')));
    const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', prompt: [1, 2, 3] })));
    s.end();
    expect(b.response).toBe('immediate_response');
    const root = finished(before).find((x) => x.name === SPAN.REQUEST);
    expect(root?.spanContext().traceId).toBe(CALLER_TRACE);
    expect(root!.attributes['http.status_code']).toBe(400);
  });
});
