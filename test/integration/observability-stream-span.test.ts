// The trace of a streamed chat answer covers the answer, not just its head (issue #3). The root span
// (semantic_router.request.received) ended when the 200 head went out, so a stream that took seconds
// showed as milliseconds, a stream the upstream cut midway (counted upstream_5xx in
// llm_request_errors_total) showed as a clean 200, and the answer's tokens were on no span. A cut
// stream's first token also never reached llm_model_ttft_seconds, though the request log has it.
// Real sockets: a scripted upstream, the gateway, the openai SDK as the client, the Node tracer
// provider exporting to memory.
import { describe, expect, it } from 'vitest';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SPAN } from '../../src/observability/tracing.ts';
import { useMemoryTracing } from './helpers/memory-tracing.ts';
import { ask, chunk, useScriptedUpstream } from './helpers/scripted-upstream.ts';

const GAP_MS = 400;
// Tracing first: the provider is up before the gateway starts and shut down after it closes.
const traces = useMemoryTracing();
const rootSpan = traces.requestSpan;
const up = useScriptedUpstream({});

const usageChunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } })}\n\n`;

const ms = (s: ReadableSpan) => s.duration[0] * 1e3 + s.duration[1] / 1e6;

describe('the request span of a streamed answer', () => {
  it('lasts until the answer ends and carries its token counts', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('Hel'));
      setTimeout(() => res.end(chunk('lo', 'stop') + usageChunk + 'data: [DONE]\n\n'), GAP_MS);
    };
    const stream = await up.client.chat.completions.create({ ...ask, stream: true }, { headers: { 'x-request-id': 'stream-whole-1' } });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello');
    const span = await rootSpan('stream-whole-1');
    expect(ms(span)).toBeGreaterThanOrEqual(GAP_MS - 5);
    expect(span.attributes['token.count.prompt']).toBe(11);
    expect(span.attributes['token.count.completion']).toBe(7);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('a stream the upstream cuts after its first token is an error on the span, and its TTFT is observed', async () => {
    const ttftBefore = await up.scraped('llm_model_ttft_seconds_count');
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('Hel'));
      setTimeout(() => res.destroy(), GAP_MS);
    };
    const stream = await up.client.chat.completions.create({ ...ask, stream: true }, { headers: { 'x-request-id': 'stream-cut-1' } });
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow();
    const span = await rootSpan('stream-cut-1');
    expect(ms(span)).toBeGreaterThanOrEqual(GAP_MS - 5);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['http.status_code']).toBe(200);
    expect(await up.scraped('llm_model_ttft_seconds_count')).toBe(ttftBefore + 1);
    const line = up.gw.logs.lines.find((l) => l.obj.event === 'request' && l.obj.request_id === 'stream-cut-1')!.obj;
    expect(line.error_reason).toBeDefined();
  });

  it('a JSON answer still ends its span once, with its token counts', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
    };
    await up.client.chat.completions.create(ask, { headers: { 'x-request-id': 'json-1' } });
    const span = await rootSpan('json-1');
    expect(span.attributes['token.count.prompt']).toBe(3);
    expect(span.attributes['token.count.completion']).toBe(2);
    expect(traces.finished().filter((x) => x.attributes['request.id'] === 'json-1')).toHaveLength(1);
  });

  it('the reference attribute names: http.method and http.path on the request span, model.name on the upstream call', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
    };
    await up.client.chat.completions.create(ask, { headers: { 'x-request-id': 'attrs-1' } });
    const root = await rootSpan('attrs-1');
    expect(root.attributes).toMatchObject({ 'http.method': 'POST', 'http.path': '/v1/chat/completions' });
    const call = traces.finished().find((s) => s.name === SPAN.UPSTREAM && s.spanContext().traceId === root.spanContext().traceId)!;
    expect(call.attributes['model.name']).toBe('qwen3');
    await up.client.completions.create({ model: 'qwen3', prompt: 'hi' }, { headers: { 'x-request-id': 'attrs-2' } }).catch(() => undefined);
    expect((await rootSpan('attrs-2')).attributes).toMatchObject({ 'http.method': 'POST', 'http.path': '/v1/completions' });
  });

  // The passed-through generation routes (/v1/completions here) had the same span, ended at the head.
  const textChunk = (text: string, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'p1', object: 'text_completion', created: 1, model: 'qwen3', choices: [{ index: 0, text, finish_reason: finish }] })}\n\n`;

  it('a streamed /v1/completions answer: the span lasts until its end, with its tokens', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(textChunk('Hel'));
      const usage = `data: ${JSON.stringify({ id: 'p1', object: 'text_completion', created: 1, model: 'qwen3', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } })}\n\n`;
      setTimeout(() => res.end(textChunk('lo', 'stop') + usage + 'data: [DONE]\n\n'), GAP_MS);
    };
    const stream = await up.client.completions.create({ model: 'qwen3', prompt: 'hi', stream: true, stream_options: { include_usage: true } }, { headers: { 'x-request-id': 'pt-stream-1' } });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.text ?? '';
    expect(text).toBe('Hello');
    const span = await rootSpan('pt-stream-1');
    expect(ms(span)).toBeGreaterThanOrEqual(GAP_MS - 5);
    expect(span.attributes['token.count.prompt']).toBe(5);
    expect(span.attributes['token.count.completion']).toBe(2);
  });

  it('a streamed /v1/completions answer cut midway is an error on its span, and its TTFT is observed', async () => {
    const ttftBefore = await up.scraped('llm_model_ttft_seconds_count');
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(textChunk('Hel'));
      setTimeout(() => res.destroy(), GAP_MS);
    };
    const stream = await up.client.completions.create({ model: 'qwen3', prompt: 'hi', stream: true }, { headers: { 'x-request-id': 'pt-cut-1' } });
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow();
    const span = await rootSpan('pt-cut-1');
    expect(ms(span)).toBeGreaterThanOrEqual(GAP_MS - 5);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['http.status_code']).toBe(200);
    expect(await up.scraped('llm_model_ttft_seconds_count')).toBe(ttftBefore + 1);
  });

  it('a client that leaves before the head: the upstream call is cancelled on the trace, not a connect failure', async () => {
    up.handler = (_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) res.end('{}');
      }, 2000);
    };
    const ac = new AbortController();
    setTimeout(() => ac.abort(), GAP_MS);
    await expect(up.client.chat.completions.create(ask, { headers: { 'x-request-id': 'cancel-1' }, signal: ac.signal })).rejects.toThrow();
    const root = await rootSpan('cancel-1');
    expect(root.attributes['http.status_code']).toBe(499);
    const call = traces.finished().find((s) => s.name === SPAN.UPSTREAM && s.spanContext().traceId === root.spanContext().traceId)!;
    expect(call.status.message).toBe('cancelled');
  });

  it('an upstream 5xx is an error on the upstream call span too, not only on the request span', async () => {
    up.handler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"overloaded"}}');
    };
    await expect(up.client.chat.completions.create(ask, { headers: { 'x-request-id': 'up-503' } })).rejects.toThrow();
    const root = await rootSpan('up-503');
    const call = traces.finished().find((s) => s.name === SPAN.UPSTREAM && s.spanContext().traceId === root.spanContext().traceId)!;
    expect(call.attributes['http.status_code']).toBe(503);
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('a body refused before the pipeline is traced too: the caller\'s trace, 400 on the request span, the log line names it', async () => {
    const caller = '5d0c5b0c7ee4d0e7f1d36c2a88e9a001';
    const res = await fetch(`${up.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'refused-1', traceparent: `00-${caller}-a3ce929d0e0e4736-01` },
      body: '{"model": "qwen3", "messages": [',
    });
    expect(res.status).toBe(400);
    const root = await rootSpan('refused-1');
    expect(root.spanContext().traceId).toBe(caller);
    expect(root.attributes['http.status_code']).toBe(400);
    const line = up.gw.logs.lines.find((l) => l.obj.request_id === 'refused-1')!;
    expect(line.msg).toBe('request rejected');
  });
});
