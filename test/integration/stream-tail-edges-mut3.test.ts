// Mutation audit 3 (src/upstream/sse.ts): an answer no tap reads (no cache, no PII restore) is only
// kept as its last ~4 KiB (ByteTail), and the end of the answer is judged from that tail: usage for the
// token metrics (findUsage), an upstream error event (hasErrorEvent), and whether a clean end was a
// whole answer (lastDataEvent). These cases are what TCP and upstreams do to that tail: a usage
// chunk split over many reads, a last event longer than the tail, `data:` with no space, CR-only line
// ends. Real sockets: the `openai` SDK or a raw request -> the gateway -> a raw SSE upstream.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { rawRequest, type Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { chunk, ev, PROMPT, useRawSseGateway, USAGE } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

const MODEL = 'qwen3';
const ask = (extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user' as const, content: 'Say hello' }], stream: true as const, ...extra });

/** Waits for the request's log line (the answer's end has been counted by then). */
async function requestLogged(before: number): Promise<Record<string, unknown>> {
  const lines = () => gw.logs.lines.filter((l) => l.msg === 'request');
  const deadline = Date.now() + 10_000;
  while (lines().length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return lines().at(-1)!.obj as Record<string, unknown>;
}
const logged = () => gw.logs.lines.filter((l) => l.msg === 'request').length;

/** `text` cut into pieces of `size` bytes (each its own write, a few ms apart). */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('an untapped stream judged by its tail', () => {
  it('a usage chunk that arrives in 16-byte reads still counts its tokens', async () => {
    // Only the last chunks are kept; they must reach back to the usage chunk's `data:`, or the tokens go uncounted.
    up.script = () => ({ pieces: [ev('Hi', 'stop'), ...pieces(USAGE, 16), 'data: [DONE]\n\n'], gapMs: 2 });
    const tokens = () => gw.metrics.value('llm_model_completion_tokens_total', { model: MODEL }) ?? 0;
    const before = tokens();
    const n = logged();
    let text = '';
    for await (const c of await client.chat.completions.create(ask())) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hi');
    expect(await requestLogged(n)).toMatchObject({ status: 200 });
    expect(tokens()).toBe(before + 4);
  });

  it('chunks that each carry `"usage": null` (as OpenAI sends them once usage is asked) do not hide the usage chunk', async () => {
    // The tail's last "usage" key is the usage chunk's; the first ones are the nulls.
    const withNull = (content: string, finish: string | null = null) => chunk({ choices: [{ index: 0, delta: { content }, finish_reason: finish }], usage: null });
    up.script = () => ({ pieces: [withNull('Hel'), withNull('lo', 'stop'), USAGE, 'data: [DONE]\n\n'] });
    const tokens = () => gw.metrics.value('llm_model_completion_tokens_total', { model: MODEL }) ?? 0;
    const before = tokens();
    const n = logged();
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask({ stream_options: { include_usage: true } })) });
    expect(res.body).toContain('"total_tokens":7');
    expect(await requestLogged(n)).toMatchObject({ status: 200 });
    expect(tokens()).toBe(before + 4);
  });

  it('a usage chunk that ends the body with no line end after it still counts its tokens', async () => {
    up.script = () => ({ pieces: [ev('Hi', 'stop'), USAGE.trimEnd()] });
    const tokens = () => gw.metrics.value('llm_model_completion_tokens_total', { model: MODEL }) ?? 0;
    const before = tokens();
    const n = logged();
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask({ stream_options: { include_usage: true } })) });
    expect(res.status).toBe(200);
    // The client asked for the usage: it gets the event too, held back as a partial one until the end, then closed.
    expect(res.body.endsWith(USAGE)).toBe(true);
    expect(await requestLogged(n)).toMatchObject({ status: 200 });
    expect(tokens()).toBe(before + 4);
  });

  it('a last event longer than the tail, ended cleanly after its finish_reason, is a whole answer (no cut event)', async () => {
    // No [DONE]: the verdict comes from the last data event, whose `data:` line start is no longer in
    // the tail. Such a tail says nothing (it may begin inside an event): the answer is taken as whole.
    const long = 'x'.repeat(9000);
    const last = ev(long, 'stop');
    up.script = () => ({ pieces: [ev('Hi'), ...pieces(last, 1000)], gapMs: 2 });
    const n = logged();
    let text = '';
    for await (const c of await client.chat.completions.create(ask())) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe(`Hi${long}`);
    const line = await requestLogged(n);
    expect(line).toMatchObject({ status: 200 });
    expect(line.error_reason).toBeUndefined();
  });

  it('a keep-alive comment before the first data event is no first token: TTFT waits for the data', async () => {
    // Comment at ~400 ms, first data at ~800 ms: TTFT is at least the data's (a lower bound only, safe on a slow box).
    up.script = () => ({ pieces: [': keep-alive\n\n', ev('Hi', 'stop'), 'data: [DONE]\n\n'], gapMs: 400 });
    const n = logged();
    let text = '';
    for await (const c of await client.chat.completions.create(ask())) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hi');
    const line = await requestLogged(n);
    expect((line.latency_ms as { ttft: number }).ttft).toBeGreaterThanOrEqual(750);
  });

  for (const [name, frame] of [
    ['`data:` with no space', (e: string) => e.replace(/^data: /gm, 'data:')],
    ['CR-only line ends', (e: string) => e.replace(/\n/g, '\r')],
  ] as const) {
    it(`an upstream error event (${name}) ends the answer as the upstream's error, not as a cut`, async () => {
      const error = 'data: {"error":{"message":"boom","type":"BadRequestError","param":null,"code":400}}\n\n';
      up.script = () => ({ pieces: [frame(ev('He')), frame(error)] });
      const value = (reason: string) => gw.metrics.value('llm_request_errors_total', { model: MODEL, reason }) ?? 0;
      const before = value('upstream_5xx');
      const n = logged();
      const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask({ stream_options: { include_usage: true } })) });
      expect(res.status).toBe(200);
      // The upstream's own error is the last event: the gateway adds no "ended before it was complete" event.
      expect(res.body).toContain('boom');
      expect(res.body).not.toContain('upstream_stream_cut');
      expect(await requestLogged(n)).toMatchObject({ status: 200, error_reason: 'stream_error' });
      expect(value('upstream_5xx')).toBe(before + 1);
    });
  }
});

describe('an event past every hold bound (8 MiB), cut mid-way', () => {
  // Past the bound the rest passes untouched, so the client's bytes end inside that event: the cut
  // error must still come as an event of its own (after a blank line), not glued onto the broken one.
  // qwen3: the usage strip's hold; A (PII restored): the rewrite's, then the strip's.
  for (const model of ['qwen3', 'A']) {
    it(`${model}: the raw body's last event is the gateway's cut error, alone`, async () => {
      const huge = ev('x'.repeat(9 * 1024 * 1024));
      up.script = () => ({ pieces: [ev('Hi'), ...pieces(huge.slice(0, huge.length - 100), 1024 * 1024)], end: 'fin', gapMs: 1 });
      const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ask(), model, messages: [{ role: 'user', content: PROMPT }] }) });
      expect(res.status).toBe(200);
      const events = res.body.split('\n\n').filter((e) => e.trim());
      const last = events.at(-1)!;
      expect(last.startsWith('data: ')).toBe(true);
      expect(JSON.parse(last.slice(6)).error.code).toBe('upstream_stream_cut');
    });
  }
});

