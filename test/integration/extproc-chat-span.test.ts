// Behind Envoy, a forwarded chat request's span (semantic_router.request.received) is held until its
// answer ends, as the gateway's (openai.ts: onDone) and ext_proc's generation routes' (5644155): the
// answer's status, its tokens, and a stream cut after its head belong to the request's trace. Before,
// the span ended at the routing decision, so a stream cut midway showed only in the metrics and the
// request span of every forwarded request said nothing of its answer. Real gRPC, the real pipeline,
// the Node tracer provider exporting to memory.
import { describe, expect, it } from 'vitest';
import { SpanStatusCode } from '@opentelemetry/api';
import { SPAN } from '../../src/observability/tracing.ts';
import { completionChunks } from '../../src/mock/answers.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { MEMORY_TRACING, useMemoryTracing } from './helpers/memory-tracing.ts';

const traces = useMemoryTracing();
const ext = useRealExtProc({ ...MEMORY_TRACING, vllm_endpoints: [{ name: 'production-stack', address: '127.0.0.1', port: 9 }] });
const events = (usage: boolean) => completionChunks('c1', 'qwen3', 1, 9, usage).map((p) => `data: ${p}\n\n`);
const ended = (id: string) => traces.finished().find((x) => x.name === SPAN.REQUEST && x.attributes['request.id'] === id);

describe('ext_proc holds a chat request span to its answer\'s end', () => {
  const forward = async (id: string, stream: boolean) => {
    const s = ext.envoy.open();
    await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Name a river.' }] })));
    expect(b.response).toBe('request_body');
    expect(ended(id), 'the span waits for the answer').toBeUndefined();
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    return s;
  };

  it('a whole stream: the span ends after its last chunk, with the status and the tokens', async () => {
    const s = await forward('span-whole', true);
    const parts = events(true);
    for (const [i, p] of parts.entries()) {
      expect(ended('span-whole'), 'still open mid-answer').toBeUndefined();
      await s.send(responseBody(p, i === parts.length - 1));
    }
    s.end();
    const root = await traces.requestSpan('span-whole');
    expect(root.attributes).toMatchObject({ 'http.status_code': 200, 'token.count.prompt': 9 });
    expect(root.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('a stream cut after its head (no [DONE], no finish): the span records the failure', async () => {
    const s = await forward('span-cut', true);
    await s.send(responseBody(events(false).slice(0, 2).join(''), false));
    await s.send(responseBody('', true));
    s.end();
    const root = await traces.requestSpan('span-cut');
    expect(root.attributes['http.status_code']).toBe(200);
    expect(root.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'stream_error' });
  });
});
