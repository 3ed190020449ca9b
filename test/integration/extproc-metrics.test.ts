// Behind Envoy (ext_proc) the upstream answer is Envoy's to fetch, so its accounting comes from the
// response messages Envoy sends: an upstream error is counted by status, a JSON answer's usage block
// gives tokens and cost, TTFT and completion latency are observed, a stream Envoy cancels counts as a
// cancellation, and each request gets its one log line. Before, an ext_proc deployment counted the
// request and its route and nothing of the answer (a 503 storm left llm_request_errors_total at 0).
// Real gRPC (an Envoy-like client), the real pipeline; explicit model names, so no packs are needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig, type LogCapture } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, type EnvoyClient } from './helpers/envoy-client.ts';
import { startRealExtProc } from './helpers/extproc-real-pipeline.ts';

const PRICING = { currency: 'USD', prompt_per_1m: 2, completion_per_1m: 6 };
let envoy: EnvoyClient;
let logs: LogCapture;
let metrics: ReturnType<typeof createMetrics>;
let close: () => Promise<void>;

beforeAll(async () => {
  const config = testConfig({ model_config: { qwen3: { reasoning_family: 'qwen3', pricing: PRICING } }, server: { max_body_bytes: 4096 } }, [{ name: 'production-stack', address: '127.0.0.1', port: 9 }]);
  logs = captureLogger();
  metrics = createMetrics({ config });
  ({ envoy, close } = await startRealExtProc(config, { classifiers: EMPTY_CLASSIFIERS, logger: logs, metrics, noCache: true }));
});
afterAll(() => close?.());

async function forwarded(id: string, stream = false) {
  const s = envoy.open();
  await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': id }));
  const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream, messages: [{ role: 'user', content: 'hi' }] })));
  expect(b.response).toBe('request_body');
  return s;
}

const requestLines = (id: string) => logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id).map((l) => l.obj);
const v = (name: string, labels: Record<string, string>) => metrics.value(name, labels) ?? 0;

describe('ext_proc accounts for the upstream answer', () => {
  it('a JSON answer: tokens, cost, TTFT and completion latency, one request line with the tokens', async () => {
    const before = { p: v('llm_model_prompt_tokens_total', { model: 'qwen3' }), lat: v('llm_model_completion_latency_seconds', { model: 'qwen3' }), ttft: v('llm_model_ttft_seconds', { model: 'qwen3' }) };
    const s = await forwarded('ext-json');
    const h = await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    // The body is asked for (Envoy's BUFFERED default stays): its usage block is read.
    expect(h.mode_override?.response_body_mode).not.toBe('NONE');
    const answer = { id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 } };
    const r = await s.send(responseBody(JSON.stringify(answer)));
    expect(r.response).toBe('response_body');
    s.end();
    expect(v('llm_model_prompt_tokens_total', { model: 'qwen3' }) - before.p).toBe(1000);
    expect(v('llm_model_completion_tokens_total', { model: 'qwen3' })).toBeGreaterThanOrEqual(500);
    expect(v('llm_model_cost_total', { model: 'qwen3', currency: 'USD' })).toBeCloseTo((1000 * 2 + 500 * 6) / 1e6, 12);
    expect(v('llm_model_completion_latency_seconds', { model: 'qwen3' }) - before.lat).toBe(1);
    expect(v('llm_model_ttft_seconds', { model: 'qwen3' }) - before.ttft).toBe(1);
    const lines = requestLines('ext-json');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 200, outcome: 'upstream', model: 'qwen3', tokens: { prompt: 1000, completion: 500, total: 1500 } });
  });

  it('an upstream 503 is llm_request_errors_total{reason=upstream_5xx}, a 429 upstream_4xx, each logged once', async () => {
    const before5 = v('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' });
    const before4 = v('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_4xx' });
    for (const [id, status] of [['ext-503', '503'], ['ext-429', '429']]) {
      const s = await forwarded(id!);
      await s.send(responseHeaders({ ':status': status!, 'content-type': 'application/json' }));
      s.end();
    }
    expect(v('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) - before5).toBe(1);
    expect(v('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_4xx' }) - before4).toBe(1);
    expect(requestLines('ext-503')).toEqual([expect.objectContaining({ status: 503, outcome: 'error', error_reason: 'upstream_5xx' })]);
    expect(requestLines('ext-429')).toEqual([expect.objectContaining({ status: 429, error_reason: 'upstream_4xx' })]);
  });

  it('a stream Envoy cancels before the answer ends counts as a cancellation, logged once', async () => {
    const before = v('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' });
    const s = await forwarded('ext-cancel');
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    s.cancel();
    await s.closed;
    const deadline = Date.now() + 2000;
    while (v('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' }) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(v('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' }) - before).toBe(1);
    expect(requestLines('ext-cancel')).toEqual([expect.objectContaining({ error_reason: 'cancellation' })]);
  });

  it('an SSE answer nobody reads (NONE) is still logged once; no latency is made up for it', async () => {
    const before = v('llm_model_completion_latency_seconds', { model: 'qwen3' });
    const s = await forwarded('ext-sse', true);
    const h = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(h.mode_override.response_body_mode).toBe('NONE');
    s.end();
    expect(requestLines('ext-sse')).toEqual([expect.objectContaining({ status: 200, outcome: 'upstream', stream: true })]);
    expect(v('llm_model_completion_latency_seconds', { model: 'qwen3' })).toBe(before);
  });

  it('a body that is no chat request passes on untouched and is counted as the gateway counts it (parse_error, model unknown)', async () => {
    const req = v('llm_model_requests_total', { model: 'unknown' });
    const err = v('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' });
    const s = envoy.open();
    await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'ext-bad' }));
    const b = await s.send(requestBody('{"model": "qwen3", '));
    expect(b.response).toBe('request_body');
    expect(b.request_body.response.body_mutation).toBeFalsy();
    s.end();
    expect(v('llm_model_requests_total', { model: 'unknown' }) - req).toBe(1);
    expect(v('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' }) - err).toBe(1);
  });

  it('a body over server.max_body_bytes is refused (413) and counted and logged as the gateway does', async () => {
    const req = v('llm_model_requests_total', { model: 'unknown' });
    const err = v('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' });
    const s = envoy.open();
    await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'ext-big' }));
    const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'x'.repeat(5000) }] })));
    expect(b.response).toBe('immediate_response');
    s.end();
    expect(v('llm_model_requests_total', { model: 'unknown' }) - req).toBe(1);
    expect(v('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' }) - err).toBe(1);
    expect(logs.lines.filter((l) => l.obj.request_id === 'ext-big')).toEqual([expect.objectContaining({ msg: 'request rejected', obj: expect.objectContaining({ status: 413 }) })]);
  });
});
