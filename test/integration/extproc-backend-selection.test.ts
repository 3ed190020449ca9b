// semantic_router.backend.selection behind Envoy: the endpoint ext_proc names to Envoy's ORIGINAL_DST
// cluster (extproc.destination_endpoint_header) is picked under that span, as the HTTP gateway picks
// its upstream (forward.ts, d160d34), with endpoint.name/address naming it. Before, ext_proc took the
// pool's first candidate directly and the span never appeared in an ext_proc trace.
// Real gRPC (an Envoy-like client), the real pipeline, the Node tracer provider exporting to memory.
import { describe, expect, it } from 'vitest';
import { SPAN } from '../../src/observability/tracing.ts';
import { requestBody, requestHeaders, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { MEMORY_TRACING, useMemoryTracing } from './helpers/memory-tracing.ts';

const HEADER = 'x-gateway-destination-endpoint';
const traces = useMemoryTracing();
const ext = useRealExtProc({
  ...MEMORY_TRACING,
  vllm_endpoints: [{ name: 'production-stack', address: '127.0.0.1', port: 9 }],
  extproc: { destination_endpoint_header: HEADER },
});

describe('ext_proc backend selection span', () => {
  it('names the endpoint set in the destination header, under the request span', async () => {
    const s = ext.envoy.open();
    await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'ext-backend-sel' }));
    const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] })));
    expect(setHeaders(b.request_body.response.header_mutation)[HEADER]).toBe('127.0.0.1:9');
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    s.end();
    const { root, spans } = await traces.traceOf('ext-backend-sel');
    const sel = spans.filter((x) => x.name === SPAN.BACKEND_SELECTION);
    expect(sel).toHaveLength(1);
    expect(sel[0].attributes).toMatchObject({ 'endpoint.name': 'production-stack', 'endpoint.address': '127.0.0.1:9' });
    expect(sel[0].parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  });
});
