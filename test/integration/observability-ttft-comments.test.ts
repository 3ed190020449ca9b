// llm_model_ttft_seconds of a stream is the time to its first event, not to its first bytes (issue #3).
// Hosted upstreams and proxies send SSE comments (": keep-alive", ": OPENROUTER PROCESSING") while the
// model has produced nothing, and the gateway took the first of those bytes as the first token, so
// TTFT read as a few milliseconds however long the model took. Real sockets: a scripted upstream, the
// gateway, the openai SDK; TTFT read from GET /metrics and the request log line.
import { describe, expect, it } from 'vitest';
import { ask, chunk, useScriptedUpstream } from './helpers/scripted-upstream.ts';

const FIRST_TOKEN_MS = 500;
const up = useScriptedUpstream({});

function commentsThen(first: string, rest: string) {
  return (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': keep-alive\n\n');
    const tick = setInterval(() => res.write(': still working\n\n'), 100);
    setTimeout(() => {
      clearInterval(tick);
      res.write(first);
      setTimeout(() => res.end(rest), 20);
    }, FIRST_TOKEN_MS);
  };
}

describe('TTFT of a stream that opens with SSE comments', () => {
  it('chat: the time to the first data event', async () => {
    const before = await up.scraped('llm_model_ttft_seconds_sum');
    up.handler = commentsThen(chunk('Hel'), chunk('lo', 'stop') + 'data: [DONE]\n\n');
    const stream = await up.client.chat.completions.create({ ...ask, stream: true }, { headers: { 'x-request-id': 'ttft-c-1' } });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello');
    expect((await up.scraped('llm_model_ttft_seconds_sum')) - before).toBeGreaterThanOrEqual(FIRST_TOKEN_MS / 1000 - 0.01);
    const line = up.gw.logs.lines.find((l) => l.obj.request_id === 'ttft-c-1' && l.obj.event === 'request')!.obj as { latency_ms: { ttft: number } };
    expect(line.latency_ms.ttft).toBeGreaterThanOrEqual(FIRST_TOKEN_MS - 10);
  });

  it('a passed-through /v1/completions stream: the same', async () => {
    const before = await up.scraped('llm_model_ttft_seconds_sum');
    const text = (t: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'p', object: 'text_completion', created: 1, model: 'qwen3', choices: [{ index: 0, text: t, finish_reason: finish }] })}\n\n`;
    up.handler = commentsThen(text('Hel'), text('lo', 'stop') + 'data: [DONE]\n\n');
    const stream = await up.client.completions.create({ model: 'qwen3', prompt: 'hi', stream: true }, { headers: { 'x-request-id': 'ttft-c-2' } });
    let out = '';
    for await (const c of stream) out += c.choices[0]?.text ?? '';
    expect(out).toBe('Hello');
    expect((await up.scraped('llm_model_ttft_seconds_sum')) - before).toBeGreaterThanOrEqual(FIRST_TOKEN_MS / 1000 - 0.01);
  });
});
