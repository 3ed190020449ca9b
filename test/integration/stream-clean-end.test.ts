// A chat stream whose upstream answer ends cleanly at the HTTP level (a close-delimited body whose
// connection closes, or a chunked body ended) before the answer is: no [DONE], and the last chunk
// finishes no choice. The `openai` SDK ends such a stream silently, so the client took the truncated
// text for a whole answer. The gateway now ends it with its upstream_stream_cut error event (the SDK
// raises it), counts and logs it as a cut stream; an answer whose last chunk has a finish_reason or
// the usage, or that sends [DONE], is whole as before.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import { type Ending, type RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway, chunk, ev, USAGE, PROMPT } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

const WAYS = [
  ['usage taken out', 'qwen3', {}],
  ['passed through', 'qwen3', { stream_options: { include_usage: true } }],
  ['PII restored', 'A', {}],
] as const;

async function read(model: string, extra: object): Promise<{ text: string; finish?: string; err?: unknown }> {
  let text = '';
  let finish: string | undefined;
  try {
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }], stream: true, ...extra });
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      finish ??= c.choices[0]?.finish_reason ?? undefined;
    }
    return { text, finish };
  } catch (err) {
    return { text, finish, err };
  }
}
const cuts = () => gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;
const lastRequestLine = () => gw.logs.lines.filter((l) => l.msg === 'request').at(-1)!.obj;

describe('an answer that ends cleanly with no [DONE] and no finish_reason', () => {
  for (const ending of ['close-delimited', 'clean'] as Ending[]) {
    for (const [way, model, extra] of WAYS) {
      it(`${ending === 'clean' ? 'chunked body ended' : 'close-delimited body, connection closed'}, ${way}: the SDK raises the gateway's APIError after the text`, async () => {
        up.script = () => ({ pieces: [ev('He'), ev('llo')], end: ending });
        const before = cuts();
        const r = await read(model, extra);
        expect(r.text).toBe('Hello');
        expect(r.err).toBeInstanceOf(OpenAI.APIError);
        expect((r.err as Error).message).toContain('The upstream answer ended before it was complete.');
        if (model === 'qwen3') expect(cuts()).toBe(before + 1);
        expect(lastRequestLine()).toMatchObject({ status: 200, error_reason: 'stream_error' });
      });
    }
  }

  it('an empty 200 stream (no event at all) is a cut too', async () => {
    up.script = () => ({ pieces: [] });
    const r = await read('qwen3', {});
    expect(r.err).toBeInstanceOf(OpenAI.APIError);
  });
});

describe('answers that end cleanly and whole', () => {
  for (const [name, pieces] of [
    ['finish_reason, no [DONE]', [ev('He'), ev('llo', 'stop')]],
    ['finish_reason, usage chunk, no [DONE]', [ev('He'), ev('llo', 'stop'), USAGE]],
    ['[DONE] without its blank line', [ev('He'), ev('llo', 'stop'), 'data: [DONE]']],
    // An SSE client drops an event no blank line ends: the gateway ends it (the SDK lost "llo" and the finish_reason).
    ['the finishing chunk without its blank line, no [DONE]', [ev('He'), ev('llo', 'stop').trimEnd()]],
    ['[DONE], then a comment', [ev('He'), ev('llo', 'stop'), 'data: [DONE]\n\n', ': bye\n\n']],
    // Longer than the byte tail a passed-through answer keeps: no verdict from a part of it, so whole.
    ['a 64 KiB finishing chunk in its own read, no [DONE]', [ev('He'), ev('llo', 'stop').replace('"id":"c1"', `"id":"c1","pad":"${'x'.repeat(64 << 10)}"`)]],
  ] as const) {
    for (const [way, model, extra] of WAYS) {
      it(`${name}, ${way}: no error, the whole text and its finish_reason`, async () => {
        up.script = () => ({ pieces: [...pieces], end: 'close-delimited' });
        const before = cuts();
        const r = await read(model, extra);
        expect(r.err).toBeUndefined();
        expect(r).toMatchObject({ text: 'Hello', finish: 'stop' });
        expect(cuts()).toBe(before);
        expect(lastRequestLine()).not.toHaveProperty('error_reason');
      });
    }
  }
});

describe('a passed-through completions stream (/v1/completions) ends alike', () => {
  const text = (t: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: t, finish_reason: finish }] })}\n\n`;
  const post = async () => {
    const res = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'hi', stream: true }) });
    return (await res.text()).split('\n\n').filter((e) => e.trim());
  };
  it('closed after two chunks, no [DONE], no finish_reason: the chunks, then the upstream_stream_cut error event', async () => {
    up.script = () => ({ pieces: [text('He'), text('llo')], end: 'close-delimited' });
    const events = await post();
    expect(events).toHaveLength(3);
    expect(JSON.parse(events[2]!.slice(6)).error.code).toBe('upstream_stream_cut');
  });
  it('a finishing chunk and no [DONE]: whole, as it came', async () => {
    up.script = () => ({ pieces: [text('He'), text('llo', 'length')], end: 'close-delimited' });
    expect(await post()).toEqual([text('He').trim(), text('llo', 'length').trim()]);
  });
});
