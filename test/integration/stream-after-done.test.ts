// A chat stream is whole at its [DONE]: what the upstream does after it (resets the connection,
// closes it before the chunked end, or keeps it open and sends nothing) is not the answer's. Before,
// the gateway waited for the upstream's end: a reset or close after [DONE] was counted and logged as
// a cut stream (llm_request_errors_total upstream_5xx, error_reason stream_error), the usage it had
// read went uncounted, and an upstream that stayed open held the client (the openai SDK reads to the
// body's end) until upstream.idle_timeout_ms, then counted a timeout. Now the client's stream ends
// with [DONE], the answer is counted whole with its usage, and the rest is read and dropped.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import { type Ending, type RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway, chunk, ev, USAGE } from './helpers/raw-sse-gateway.ts';

const IDLE_MS = 3000;
let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({ upstream: { idle_timeout_ms: IDLE_MS } }, (rig) => ({ up, gw, client } = rig));

const WAYS = [
  ['usage taken out', 'qwen3', {}],
  ['passed through', 'qwen3', { stream_options: { include_usage: true } }],
  ['PII restored', 'A', {}],
] as const;
const value = (name: string, labels: Record<string, string>) => gw.metrics.value(name, labels) ?? 0;

describe('what the upstream does after [DONE] is not the answer', () => {
  for (const [ending, what] of [
    ['rst', 'resets the connection'],
    ['fin', 'closes it before the chunked end'],
    ['hang', 'keeps it open, silent'],
  ] as Array<[Ending, string]>) {
    for (const [way, model, extra] of WAYS) {
      it(`the upstream ${what}, ${way}: the SDK gets the whole answer at once; counted whole, with its tokens`, async () => {
        // [DONE] in the same write as the answer's last events, or in one of its own.
        up.script = () => ({ pieces: [ev('He'), ev('llo', 'stop') + USAGE, 'data: [DONE]\n\n'], end: ending });
        const label = model === 'A' ? 'A' : 'qwen3';
        const errors = value('llm_request_errors_total', { model: label, reason: 'upstream_5xx' }) + value('llm_request_errors_total', { model: label, reason: 'timeout' });
        const tokens = value('llm_model_tokens_total', { model: label });
        const t0 = Date.now();
        let text = '';
        const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Mail jane.doe@example.com please.' }], stream: true, ...extra });
        for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
        expect(text).toBe('Hello');
        expect(Date.now() - t0).toBeLessThan(IDLE_MS / 2);
        const line = gw.logs.lines.filter((l) => l.msg === 'request').at(-1)!.obj;
        expect(line).not.toHaveProperty('error_reason');
        expect(value('llm_request_errors_total', { model: label, reason: 'upstream_5xx' }) + value('llm_request_errors_total', { model: label, reason: 'timeout' })).toBe(errors);
        expect(value('llm_model_tokens_total', { model: label })).toBe(tokens + 7);
      });
    }
  }
});

describe('the upstream connection after [DONE]', () => {
  it('an answer that ends as usual right after [DONE]: the connection is reused (the rest was read, not cut)', async () => {
    up.script = () => ({ pieces: [ev('He'), ev('llo', 'stop') + 'data: [DONE]\n\n'] });
    const read = async () => {
      let text = '';
      for await (const c of await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true })) text += c.choices[0]?.delta?.content ?? '';
      return text;
    };
    await read();
    const before = up.accepted;
    for (let i = 0; i < 5; i++) expect(await read()).toBe('Hello');
    expect(up.accepted).toBe(before);
  });

  it('an upstream that stays open after [DONE] is let go (its socket closed) within the grace, the client long gone', async () => {
    up.script = () => ({ pieces: [ev('Hello', 'stop'), 'data: [DONE]\n\n'], end: 'hang' });
    for await (const _ of await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true })) void _;
    const sock = up.lastSocket!;
    expect(sock.destroyed).toBe(false);
    const deadline = Date.now() + 6000;
    while (!sock.destroyed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sock.destroyed).toBe(true);
  });
});

describe('a passed-through completions stream (/v1/completions) ends at [DONE] too', () => {
  it('the upstream stays open after [DONE]: the client has the answer at once, counted whole', async () => {
    const text = (t: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: t, finish_reason: finish }] })}\n\n`;
    up.script = () => ({ pieces: [text('He'), text('llo', 'length') + 'data: [DONE]\n\n'], end: 'hang' });
    const t0 = Date.now();
    const res = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'hi', stream: true }) });
    const events = (await res.text()).split('\n\n').filter((e) => e.trim());
    expect(Date.now() - t0).toBeLessThan(IDLE_MS / 2);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(gw.logs.lines.filter((l) => l.msg === 'request').at(-1)!.obj).not.toHaveProperty('error_reason');
  });
});

describe('a client that leaves once it has [DONE]', () => {
  it('(reads up to [DONE], then closes, while the upstream has not ended): the answer is counted whole, with its tokens, not as a cancellation', async () => {
    up.script = () => ({ pieces: [ev('Hello', 'stop') + USAGE + 'data: [DONE]\n\n'], end: 'hang' });
    const cancels = value('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' });
    const tokens = value('llm_model_tokens_total', { model: 'qwen3' });
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    while (!text.includes('data: [DONE]')) text += dec.decode((await reader.read()).value, { stream: true });
    ac.abort();
    const deadline = Date.now() + 2000;
    while (value('llm_model_tokens_total', { model: 'qwen3' }) === tokens && value('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' }) === cancels && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(value('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' })).toBe(cancels);
    expect(value('llm_model_tokens_total', { model: 'qwen3' })).toBe(tokens + 7);
  });
});
