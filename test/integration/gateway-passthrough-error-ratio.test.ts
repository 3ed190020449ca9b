// The error-ratio alert (k8s/observability/prometheus-rules.yaml) divides llm_request_errors_total by
// llm_model_requests_total per model. Passed-through requests counted their errors (upstream 5xx,
// timeouts, parse errors) but never themselves as requests, so a model served mostly through
// /v1/completions showed errors over ~0 requests: the alert fired at any error rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from './gateway-harness.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;
let gw: Gateway;
let n = 0;

beforeAll(async () => {
  up = await startScriptedUpstream({});
  up.handler = (_req, res) => {
    // One request in five fails.
    const fail = n++ % 5 === 0;
    res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
    res.end(fail ? '{"error":{"message":"boom"}}' : '{"id":"x","object":"text_completion","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}');
  };
  gw = up.gw;
});
afterAll(async () => {
  await up?.close();
});

const series = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

describe('passed-through requests in the per-model error ratio', () => {
  it('each is counted once in llm_model_requests_total, so errors / requests is the real rate', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'hi' }) });
      await r.text();
    }
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const errors = series(text, 'llm_request_errors_total', 'model="qwen3",reason="upstream_5xx"');
    const requests = series(text, 'llm_model_requests_total', 'model="qwen3"');
    expect(errors).toBe(2);
    expect(requests).toBe(10);
  });
});
