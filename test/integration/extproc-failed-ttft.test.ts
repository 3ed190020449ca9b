// A chat stream that fails after its first token, behind Envoy: the first token's time is a TTFT like
// any other, as the gateway records it (forward.ts onError, since 53dea83: the reference observes it at
// the first chunk). ext_proc's meter recorded none for a stream cut before it was whole (counted
// upstream_5xx) or one Envoy reset midway (cancellation), so llm_model_ttft_seconds left out exactly
// the slow, failing streams. Real gRPC, the real pipeline.
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { metricMoves } from './helpers/metric-moves.ts';

const FAMILIES = ['llm_model_ttft_seconds_count', 'llm_request_errors_total', 'llm_model_completion_latency_seconds_count'];
const ev = (content: string) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

describe('ext_proc: a chat stream that fails after its first token still records its TTFT', () => {
  const h = useRealExtProc();

  async function started(id: string) {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    await s.send(responseBody(ev('Hel'), false));
    return s;
  }
  const line = (id: string) => h.logs.lines.some((l) => l.msg === 'request' && l.obj.request_id === id);

  it('cut before it was whole: upstream_5xx and one TTFT, no latency', async () => {
    const { moved } = await metricMoves(h.metrics, FAMILIES, async () => {
      const s = await started('ttft-cut');
      await s.send(responseBody(ev('lo'), true));
      s.end();
    });
    expect(moved).toEqual({ 'llm_model_ttft_seconds_count{model="qwen3"}': 1, 'llm_request_errors_total{model="qwen3",reason="upstream_5xx"}': 1 });
  });

  it('Envoy resets it midway: a cancellation and one TTFT, no latency', async () => {
    const { moved } = await metricMoves(h.metrics, FAMILIES, async () => {
      const s = await started('ttft-cancel');
      s.cancel();
      await expect.poll(() => line('ttft-cancel')).toBe(true);
    });
    expect(moved).toEqual({ 'llm_model_ttft_seconds_count{model="qwen3"}': 1, 'llm_request_errors_total{model="qwen3",reason="cancellation"}': 1 });
  });
});
