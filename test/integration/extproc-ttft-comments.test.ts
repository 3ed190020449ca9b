// A stream's TTFT behind Envoy is the time to its first data line, as on the gateway since e1599ee
// (sse-first-data.ts): hosted upstreams and proxies send SSE comments (': keep-alive') before the model
// has produced anything, and ext_proc took the first body message, comments only, as the first token,
// for chat (answer-meter.ts) and the generation routes (generation-meter.ts) alike. Real gRPC, the real
// pipeline; the comments come 300 ms before the first event.
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { metricMoves } from './helpers/metric-moves.ts';

const WAIT_MS = 300;
const TTFT = ['llm_model_ttft_seconds_sum', 'llm_model_ttft_seconds_count'];
const MODES = { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' };

describe('ext_proc: TTFT of a stream is its first data line, not an SSE comment before it', () => {
  const h = useRealExtProc();

  async function stream(path: string, body: unknown, events: string[]): Promise<Record<string, number>> {
    const { moved } = await metricMoves(h.metrics, TTFT, async () => {
      const s = h.envoy.open();
      await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, 'content-type': 'application/json' }), protocol_config: MODES });
      await s.send(requestBody(JSON.stringify(body)));
      await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
      await s.send(responseBody(': keep-alive\n\n', false));
      await new Promise((r) => setTimeout(r, WAIT_MS));
      for (const [i, e] of events.entries()) await s.send(responseBody(e, i === events.length - 1));
      s.end();
    });
    return moved;
  }

  it('chat', async () => {
    const ev = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const moved = await stream('/v1/chat/completions', { model: 'qwen3', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }, [ev({ content: 'Hello' }), ev({}, 'stop'), 'data: [DONE]\n\n']);
    expect(moved['llm_model_ttft_seconds_count{model="qwen3"}']).toBe(1);
    expect(moved['llm_model_ttft_seconds_sum{model="qwen3"}']).toBeGreaterThanOrEqual((WAIT_MS - 20) / 1000);
  });

  it('/v1/completions', async () => {
    const ev = (text: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'text_completion', created: 1, model: 'qwen3', choices: [{ index: 0, text, finish_reason: finish }] })}\n\n`;
    const moved = await stream('/v1/completions', { model: 'qwen3', stream: true, prompt: 'hi' }, [ev('Hello'), ev('', 'stop'), 'data: [DONE]\n\n']);
    expect(moved['llm_model_ttft_seconds_count{model="qwen3"}']).toBe(1);
    expect(moved['llm_model_ttft_seconds_sum{model="qwen3"}']).toBeGreaterThanOrEqual((WAIT_MS - 20) / 1000);
  });
});
