// The clean-end check (stream-whole.ts) with n > 1 read only the stream's last chunk: an answer that
// ended cleanly (no [DONE]) after choice 0's finishing chunk was judged whole though choice 1 never
// finished, and the openai SDK ended silently with choice 1 cut short. The finish of each choice
// index is now tracked over the whole stream (choices 0..n-1, and any other index that came): the
// answer is whole at [DONE], or when every choice finished; else it ends with the gateway's
// upstream_stream_cut error event, which the SDK raises.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway, chunk, USAGE } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

const ev = (index: number, content: string, finish: string | null = null) => chunk({ choices: [{ index, delta: { content }, finish_reason: finish }] });
const WAYS = [
  ['usage taken out', 'qwen3', {}],
  ['passed through', 'qwen3', { stream_options: { include_usage: true } }],
  ['PII restored', 'A', {}],
] as const;

async function read(model: string, extra: object): Promise<{ texts: string[]; err?: unknown }> {
  const texts: string[] = [];
  try {
    const stream = await client.chat.completions.create({ model, n: 2, messages: [{ role: 'user', content: 'Mail jane.doe@example.com please.' }], stream: true, ...extra });
    for await (const c of stream) for (const ch of c.choices) texts[ch.index] = (texts[ch.index] ?? '') + (ch.delta?.content ?? '');
    return { texts };
  } catch (err) {
    return { texts, err };
  }
}

describe('n = 2, ended cleanly without [DONE]', () => {
  for (const [name, pieces, whole] of [
    ['choice 1 never finished, choice 0 finished last', [ev(0, 'A'), ev(1, 'B'), ev(0, 'a', 'stop')], false],
    ['choice 1 never finished, then the usage chunk', [ev(0, 'A'), ev(1, 'B'), ev(0, 'a', 'stop'), USAGE], false],
    ['choice 1 sent nothing at all', [ev(0, 'A'), ev(0, 'a', 'stop')], false],
    ['both finished, choice 1 first', [ev(0, 'A'), ev(1, 'B'), ev(1, 'b', 'length'), ev(0, 'a', 'stop')], true],
    ['both finished in one chunk, then usage', [ev(0, 'A'), ev(1, 'B'), chunk({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }, { index: 1, delta: { content: 'b' }, finish_reason: 'stop' }] }), USAGE], true],
  ] as const) {
    for (const [way, model, extra] of WAYS) {
      it(`${name}, ${way}: ${whole ? 'whole, no error' : 'the SDK raises the cut'}`, async () => {
        up.script = () => ({ pieces: [...pieces], end: 'close-delimited' });
        const r = await read(model, extra);
        if (whole) expect(r.err).toBeUndefined();
        else {
          expect(r.err).toBeInstanceOf(OpenAI.APIError);
          expect((r.err as Error).message).toContain('The upstream answer ended before it was complete.');
        }
        expect(r.texts[0]).toBe('Aa');
      });
    }
  }

  it('[DONE] ends it whole as before, even with a choice left unfinished (the upstream said it is over)', async () => {
    up.script = () => ({ pieces: [ev(0, 'A'), ev(1, 'B'), ev(0, 'a', 'stop'), 'data: [DONE]\n\n'], end: 'close-delimited' });
    const r = await read('qwen3', {});
    expect(r.err).toBeUndefined();
  });
});

describe('a passed-through completions stream (/v1/completions) with n = 2 ends alike', () => {
  const text = (index: number, t: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'text_completion', created: 1, model: 'm', choices: [{ index, text: t, finish_reason: finish }] })}\n\n`;
  const post = async () => {
    const res = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'hi', n: 2, stream: true }) });
    return (await res.text()).split('\n\n').filter((e) => e.trim());
  };
  it('choice 1 never finished, choice 0 finished last, no [DONE]: the chunks, then the upstream_stream_cut error event', async () => {
    up.script = () => ({ pieces: [text(0, 'A'), text(1, 'B'), text(0, 'a', 'stop')], end: 'close-delimited' });
    const events = await post();
    expect(events).toHaveLength(4);
    expect(JSON.parse(events[3]!.slice(6)).error.code).toBe('upstream_stream_cut');
  });
  it('both finished, no [DONE]: whole, as it came', async () => {
    up.script = () => ({ pieces: [text(0, 'A'), text(1, 'B', 'stop'), text(0, 'a', 'stop')], end: 'close-delimited' });
    expect(await post()).toEqual([text(0, 'A'), text(1, 'B', 'stop'), text(0, 'a', 'stop')].map((e) => e.trim()));
  });
});
