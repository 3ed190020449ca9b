// A streamed answer read through ext_proc (STREAMED mode, here because the semantic cache records it):
// its usage chunk gives the token counters, its first chunk the TTFT, its end the completion latency,
// and the request line carries the tokens, as on the gateway. Real gRPC, real pipeline and packs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { completionChunks } from '../../src/mock/answers.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig, type LogCapture } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, type EnvoyClient } from './helpers/envoy-client.ts';
import { startRealExtProc } from './helpers/extproc-real-pipeline.ts';

describe.skipIf(!packsAvailable())('ext_proc accounts for a streamed answer it reads', () => {
  let envoy: EnvoyClient;
  let logs: LogCapture;
  let metrics: ReturnType<typeof createMetrics>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const config = testConfig({ semantic_cache: { enabled: true, backend_type: 'memory' } });
    logs = captureLogger();
    metrics = createMetrics({ config });
    ({ envoy, close } = await startRealExtProc(config, { classifiers: await realClassifiers(), logger: logs, metrics }));
  }, 120_000);
  afterAll(() => close?.());

  it('tokens from the usage chunk, TTFT and latency observed, one request line with the tokens', async () => {
    const s = envoy.open();
    await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'ext-sse-usage' }));
    const body = JSON.stringify({ model: 'qwen3', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Name three rivers in Europe and their lengths.' }] });
    const b = await s.send(requestBody(body));
    expect(b.response).toBe('request_body');
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(rh.mode_override?.response_body_mode).toBe('STREAMED');
    const events = completionChunks('c1', 'qwen3', 1, 11, true).map((p) => `data: ${p}\n\n`);
    for (const [i, ev] of events.entries()) await s.send(responseBody(ev, i === events.length - 1));
    s.end();
    const completion = JSON.parse(events.at(-2)!.slice(6)).usage.completion_tokens as number;
    expect(metrics.value('llm_model_prompt_tokens_total', { model: 'qwen3' })).toBe(11);
    expect(metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' })).toBe(completion);
    expect(metrics.value('llm_model_ttft_seconds', { model: 'qwen3' })).toBe(1);
    expect(metrics.value('llm_model_completion_latency_seconds', { model: 'qwen3' })).toBe(1);
    expect(metrics.value('llm_model_tpot_seconds', { model: 'qwen3' })).toBe(1);
    const lines = logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'ext-sse-usage').map((l) => l.obj);
    expect(lines).toEqual([expect.objectContaining({ stream: true, status: 200, tokens: { prompt: 11, completion, total: 11 + completion } })]);
  });
});
