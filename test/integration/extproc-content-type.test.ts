// Media types are case-insensitive (RFC 9110 8.3.1) and may carry parameters: an upstream answering
// `Application/JSON; charset=UTF-8` or `Text/Event-Stream` must be read as JSON / SSE by ext_proc, as
// RFC 9110 says. Before, only the lower-case spellings were: such a JSON answer went by unseen
// (no tokens, no cost) and such a stream was neither metered nor stripped. Real gRPC, real pipeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { startRealExtProc, type RealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };

describe('ext_proc reads the upstream content type case-insensitively', () => {
  let h: RealExtProc;
  let metrics: ReturnType<typeof createMetrics>;

  beforeAll(async () => {
    const config = testConfig({ extproc: { allow_mode_override: true } });
    metrics = createMetrics({ config });
    h = await startRealExtProc(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics });
  });
  afterAll(() => h?.close());

  it('Application/JSON; charset=UTF-8: the answer is read for its usage (tokens counted)', async () => {
    const s = h.envoy.open();
    await s.send(requestHeaders(CHAT));
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hello there' }] })));
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'Application/JSON; charset=UTF-8' }));
    expect(rh.mode_override?.response_body_mode).not.toBe('NONE');
    await s.send(responseBody(JSON.stringify({ id: 'c', object: 'chat.completion', model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } })));
    s.end();
    expect(metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' })).toBe(2);
  });

  it('Text/Event-Stream: the stream is read (STREAMED) and its usage asked for and stripped', async () => {
    const s = h.envoy.open();
    await s.send(requestHeaders(CHAT));
    const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'hello there' }] })));
    expect(JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()).stream_options).toEqual({ include_usage: true });
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'Text/Event-Stream' }));
    expect(rh.mode_override?.response_body_mode).toBe('STREAMED');
    s.end();
  });
});
