// The Worker's own logger (runtimes/worker/logger.ts) and /metrics under client-chosen values, as
// test/integration/security-client-values.test.ts checks Node: personal data in fields, headers, the
// query and an echoing upstream error never reach a console line or a label; a client's own
// reasoning_effort (kept when routing is off) is written as "other".
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, inject, it, vi } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';

const EMAIL = 'zq.canary.5521@leakcheck.example';
const YAML =
  'default_model: gpt-oss-20b\nvllm_endpoints: [{ name: up, address: 127.0.0.1, port: 1 }]\nrouting: { enabled: false }\nprompt_guard: { enabled: false }\n' +
  'model_config: { gpt-oss-20b: { reasoning_family: gpt-oss }, qwen3: {} }\n' +
  'reasoning_families: { gpt-oss: { type: reasoning_effort, parameter: reasoning_effort } }\n' +
  'categories: [{ name: other, model_scores: [{ model: gpt-oss-20b, score: 1, use_reasoning: false }] }]\n' +
  'observability: { logging: { level: debug } }\n';
const wenv: WorkerEnv = { ...(env as unknown as WorkerEnv), SEMROUTE_CONFIG: YAML, SEMROUTE_UPSTREAM: inject('mockUrl') };

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://semroute.test${path}`, init), wenv, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, text };
}

describe('Worker: client-chosen values in console lines and metric labels', () => {
  it('personal data in fields, headers, query and an echoed error stays out; a made-up effort is "other"', async () => {
    const lines: string[] = [];
    const spies = (['log', 'warn', 'error'] as const).map((k) => vi.spyOn(console, k).mockImplementation((l: unknown) => void lines.push(String(l))));
    try {
      const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}, query = '') =>
        call(`/v1/chat/completions${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }) });
      const first = await chat({ model: 'MoM', reasoning_effort: EMAIL }, { 'x-request-id': 'w-sec-1' });
      expect(first.status, first.text + lines.join('\n')).toBe(200);
      expect((await chat({ model: 'qwen3', user: EMAIL, metadata: { m: EMAIL } }, { 'x-foo': EMAIL, 'user-agent': EMAIL, 'x-user-id': EMAIL }, `?e=${encodeURIComponent(EMAIL)}`)).status).toBe(200);
      expect((await chat({ model: EMAIL })).status).toBe(404); // the mock's "Model ... not found" echoes it
      expect((await chat({ model: 'qwen3' }, { 'x-mock-status': '400' })).status).toBe(400);
      expect((await call('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"model":"qwen3",${EMAIL}` })).status).toBe(400);
      expect((await call(`/v1/${encodeURIComponent(EMAIL)}?q=${encodeURIComponent(EMAIL)}`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      for (const s of spies) s.mockRestore();
    }
    const metrics = (await call('/metrics')).text;
    const line = lines.find((l) => l.includes('"request_id":"w-sec-1"') && l.includes('"event":"request"'));
    expect(line).toContain('"reasoning_effort":"other"');
    expect(lines.filter((l) => l.includes('"event":"request"')).length).toBeGreaterThanOrEqual(4);
    const forms = [EMAIL, encodeURIComponent(EMAIL)];
    expect(lines.filter((l) => forms.some((f) => l.includes(f)))).toEqual([]);
    expect(metrics.split('\n').filter((l) => forms.some((f) => l.includes(f)))).toEqual([]);
    expect(metrics).toMatch(/llm_reasoning_effort_usage_total\{family="gpt-oss",effort="other"\} 1/);
  });
});
