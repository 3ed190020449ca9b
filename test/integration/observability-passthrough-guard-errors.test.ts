// The guardrails' refusals on the passed-through generation routes (/v1/completions, /v1/responses,
// /v1/messages, /invocations) are counted in llm_request_errors_total as chat's are: the error-ratio
// alert divides it by llm_model_requests_total, which counts these requests too. A 503
// guard_unavailable on /v1/completions was counted as a request but never as an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from './gateway-harness.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;
let gw: Gateway;
let reached = 0;

beforeAll(async () => {
  // The guard on, its pack not loaded (no classifiers), on_error: block: every scan is a 503.
  up = await startScriptedUpstream({}, { config: { prompt_guard: { enabled: true, on_error: 'block' } } });
  up.handler = (_req, res) => {
    reached++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":"x","object":"text_completion","choices":[]}');
  };
  gw = up.gw;
});
afterAll(async () => {
  await up?.close();
});

const metric = async (labels: string) => {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return Number(new RegExp(`^llm_request_errors_total\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
};
const post = async (path: string, body: unknown) => {
  const r = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, code: ((await r.json()) as { error?: { code?: string } }).error?.code };
};

describe('guard refusals on passed-through routes in llm_request_errors_total', () => {
  it('chat and /v1/completions count a guard_unavailable 503 alike', async () => {
    expect(await post('/v1/chat/completions', { model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] })).toEqual({ status: 503, code: 'guard_unavailable' });
    expect(await metric('model="qwen3",reason="guard_unavailable"')).toBe(1);
    expect(await post('/v1/completions', { model: 'qwen3', prompt: 'hi' })).toEqual({ status: 503, code: 'guard_unavailable' });
    expect(await post('/v1/responses', { model: 'qwen3', input: 'hi' })).toEqual({ status: 503, code: 'guard_unavailable' });
    expect(await metric('model="qwen3",reason="guard_unavailable"')).toBe(3);
    expect(reached).toBe(0);
  });

  it('a prompt the guard cannot read is counted as unscannable_prompt', async () => {
    expect(await post('/v1/completions', { model: 'qwen3', prompt: [1, 2, 3] })).toEqual({ status: 400, code: 'unscannable_prompt' });
    expect(await metric('model="qwen3",reason="unscannable_prompt"')).toBe(1);
    expect(reached).toBe(0);
  });
});
