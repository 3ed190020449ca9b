// A Worker whose SEMROUTE_CONFIG is refused logs why (Workers Logs) by key path, line and problem,
// never by the config's text: a YAML error's excerpt or a received value may be a secret (an OTLP
// bearer token, a Redis URL's password). As the Node process prints it (test/integration/security-config-errors.test.ts).
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, inject, it, vi } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';

const SECRET = 'sk-live-5ecret-w0rk3r';
const base = { ...(env as unknown as WorkerEnv), SEMROUTE_UPSTREAM: inject('mockUrl') };

describe('Worker: a refused config', () => {
  // Was a leak: the start-up failure line carried err.message, excerpt and received values included.
  it.each([
    ['YAML syntax error', `default_model: qwen3\nobservability:\n  tracing:\n    exporter:\n      headers: { authorization: "Bearer ${SECRET}"\nvllm_endpoints: []\n`, /YAML syntax error: .* at line \d+, column \d+/],
    ['a value in the wrong place', `default_model: qwen3\nobservability: { tracing: { exporter: { type: "${SECRET}" } } }\n`, /is invalid:\n {2}observability\.tracing\.exporter\.type: Invalid enum value/],
  ])('%s: 503, and the log line names the problem without the text', async (_name, yaml, logged) => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((l: unknown) => void lines.push(String(l)));
    try {
      const res = await worker.fetch(new Request('https://semroute.test/health'), { ...base, SEMROUTE_CONFIG: yaml }, createExecutionContext());
      expect(res.status).toBe(503);
      expect(await res.text()).not.toContain(SECRET);
    } finally {
      spy.mockRestore();
    }
    const line = lines.map((l) => JSON.parse(l) as { msg: string; err: string }).find((l) => l.msg === 'start-up failed');
    expect(line?.err).toMatch(logged);
    expect(lines.join('\n')).not.toContain(SECRET);
  });
});
