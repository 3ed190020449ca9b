// What the Worker does with upstream answers it must not hold whole (test/worker/big-upstream.ts):
// an isolate has 128 MB, so a 100 MB JSON answer or a gzip bomb read with text() would take the
// isolate down with every request in it. Both must be one OpenAI-shaped 502, and the isolate keeps
// serving. A client that leaves a stream must cancel the upstream's request.
import { SELF, env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

const bigEnv: WorkerEnv = { ...(env as unknown as WorkerEnv), SEMROUTE_UPSTREAM: inject('bigUrl') };

// Its own app (another config text), so its metrics count only the stream the client leaves.
const leaveEnv: WorkerEnv = { ...bigEnv, SEMROUTE_CONFIG: `${DEFAULT_CONFIG_YAML}\n# client leaves\n` };
const noCtx = { waitUntil() {}, passThroughOnException() {} };

const askBig = (kind: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}, e = bigEnv) =>
  worker.fetch(new Request('https://semroute.test/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-big': kind, ...headers },
    // An explicit model: passed through unclassified, so the test measures the answer's path only.
    body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'Say something long.' }], ...extra }),
  }), e, noCtx);

async function stillServes() {
  const res = await SELF.fetch('https://semroute.test/v1/chat/completions', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'Hello there' }] }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { model: string }).model).toBe('qwen3');
}

describe('non-streamed answers past what an isolate may hold', () => {
  it.each(['json', 'gzip'])('%s: 502 upstream_response_too_large, and the isolate keeps serving', async (kind) => {
    const res = await askBig(kind);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: 'upstream_response_too_large', type: 'upstream_error' });
    await stillServes();
  });
});

describe('a client that leaves a stream', () => {
  it('cancels the upstream request, counted as a cancellation, not an upstream failure', async () => {
    const id = crypto.randomUUID();
    const res = await askBig('endless', { stream: true }, { 'x-big-id': id }, leaveEnv);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('tick');
    await reader.cancel();
    const closedUrl = `${inject('bigUrl')}/closed/${id}`;
    const t0 = Date.now();
    let closed = 'false';
    while (closed !== 'true' && Date.now() - t0 < 5000) {
      await new Promise((r) => setTimeout(r, 50));
      closed = await (await fetch(closedUrl)).text();
    }
    expect(closed).toBe('true');
    // workerd aborts no request signal when the client leaves (no enable_request_signal flag): the
    // cancel of the answer's body is all the Worker sees, and it must not read as the upstream's fault.
    const metrics = await (await worker.fetch(new Request('https://semroute.test/metrics'), leaveEnv, noCtx)).text();
    const errors = metrics.split('\n').filter((l) => l.startsWith('llm_request_errors_total{'));
    expect(errors.join('\n')).toContain('reason="cancellation"');
    expect(errors.join('\n')).not.toContain('reason="upstream_5xx"');
  });
});
