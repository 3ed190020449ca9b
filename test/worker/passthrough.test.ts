// The Worker passes the Production Stack's other endpoints through as the Node gateway does
// (src/api/passthrough.ts over runtimes/worker/upstream-fetch.ts): /v1/completions JSON and SSE and
// /v1/embeddings reach the mock Production Stack router (test/worker/global-setup.ts) over a socket.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  SELF.fetch(`https://semroute.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('passed-through routes on the Worker', () => {
  it('POST /v1/completions: the mock names the model; the request id is echoed', async () => {
    const res = await post('/v1/completions', { model: 'deepseek-v3', prompt: 'Hello there' }, { 'x-request-id': 'w-cmpl-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('w-cmpl-1');
    const body = (await res.json()) as { object: string; model: string; choices: Array<{ text: string }>; usage: { total_tokens: number } };
    expect(body.object).toBe('text_completion');
    expect(body.model).toBe('deepseek-v3');
    expect(body.choices[0]!.text).toBe('This is a mock answer from deepseek-v3.');
    expect(body.usage.total_tokens).toBe(9);
  });

  it('POST /v1/completions with stream: true comes back as SSE ending in [DONE]', async () => {
    const res = await post('/v1/completions', { model: 'qwen3', prompt: 'stream please', stream: true }, { 'x-mock-chunk-delay-ms': '20' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const body: string = await res.text();
    const datas = body.split('\n\n').filter(Boolean).map((e: string) => e.replace(/^data: /, ''));
    expect(datas.at(-1)).toBe('[DONE]');
    const text = datas.slice(0, -1).map((d: string) => (JSON.parse(d) as { choices: Array<{ text: string }> }).choices[0]!.text).join('');
    expect(text).toBe('This is a mock answer from qwen3.');
  });

  it('POST /v1/embeddings', async () => {
    const res = await post('/v1/embeddings', { model: 'Model-B', input: 'one text', encoding_format: 'float' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string; data: Array<{ embedding: number[] }> };
    expect(body.model).toBe('Model-B');
    expect(body.data[0]!.embedding).toHaveLength(8);
  });

  it('an auto name is a 400; an unlisted path stays 404', async () => {
    const auto = await post('/v1/completions', { model: 'MoM', prompt: 'hi' });
    expect(auto.status).toBe(400);
    expect(((await auto.json()) as { error: { code: string } }).error.code).toBe('auto_model_not_routed');
    const unknown = await post('/v1/files', { model: 'qwen3' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
  });
});
