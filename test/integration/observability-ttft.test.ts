// llm_model_ttft_seconds of a non-streamed answer is the time to the upstream's response headers, as its
// HELP says and as the reference measures it (processor_res_header.go: "non-streaming: record on first
// response headers"); the whole answer's time is llm_model_completion_latency_seconds. A real upstream
// socket sends its head at once and the body 400 ms later; the numbers are read from GET /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;
beforeAll(async () => {
  up = await startScriptedUpstream({});
});
afterAll(() => up?.close());

async function scraped(name: string): Promise<number> {
  const text = await (await fetch(`${up.gw.url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{model="qwen3"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('time to first token of a non-streamed answer', () => {
  it('is the time to the response head, not to the last byte of the body', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      setTimeout(() => {
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
      }, 400);
    };
    const answer = await up.client.chat.completions.create(ask);
    expect(answer.choices[0]!.message.content).toBe('ok');
    const ttft = await scraped('llm_model_ttft_seconds_sum');
    const latency = await scraped('llm_model_completion_latency_seconds_sum');
    expect(latency).toBeGreaterThanOrEqual(0.39);
    expect(ttft).toBeGreaterThan(0);
    expect(ttft).toBeLessThan(0.2);
    const line = up.gw.logs.lines.find((l) => l.obj.event === 'request')!.obj as { latency_ms: { ttft: number; total: number } };
    expect(line.latency_ms.ttft).toBeLessThan(200);
    expect(line.latency_ms.total).toBeGreaterThanOrEqual(390);
  });
});
