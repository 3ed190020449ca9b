// The usage strip over SSE bytes cut at every place (inside events, inside a two-byte character,
// inside the "usage" key, between the CR and LF of a CRLF): the client's text is the stream without
// the usage it did not ask for, whatever the cuts; and what askUsage sends the upstream.
import { describe, expect, it } from 'vitest';
import { askUsage, UsageStripper } from '../../src/upstream/usage-strip.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra });
const role = chunk([{ index: 0, delta: { role: 'assistant', content: 'é' }, finish_reason: null }]);
const tok = chunk([{ index: 0, delta: { content: ' usage "usage" ok' }, finish_reason: null }]);
const fin = chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
const usage = chunk([], { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
const nulled = (c: string) => c.slice(0, -1) + ',"usage":null}';

/** The stream through a stripper, cut at `cuts` (byte offsets), then its end. */
function through(text: string, cuts: number[]): string {
  const bytes = enc.encode(text);
  const s = new UsageStripper();
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.byteLength]) {
    parts.push(s.push(bytes.subarray(at, c)));
    at = c;
  }
  parts.push(s.finish());
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.byteLength;
  }
  return dec.decode(all);
}

const want = [role, tok, fin].map((c) => `data: ${c}\n\n`).join('') + 'data: [DONE]\n\n';

describe('UsageStripper', () => {
  const cases: Array<[string, string]> = [
    ['vLLM (usage chunk only)', [role, tok, fin, usage].map((c) => `data: ${c}\n\n`).join('') + 'data: [DONE]\n\n'],
    ['OpenAI-style (usage: null on each chunk)', [nulled(role), nulled(tok), nulled(fin), usage].map((c) => `data: ${c}\n\n`).join('') + 'data: [DONE]\n\n'],
  ];
  for (const [name, text] of cases) {
    it(`${name}: every single cut and every pair of cuts 1..40 bytes apart give the stream without usage`, () => {
      const n = enc.encode(text).byteLength;
      for (let i = 0; i <= n; i++) expect(through(text, [i])).toBe(want);
      for (let i = 0; i < n; i += 3) for (let d = 1; d <= 40 && i + d < n; d += 1) expect(through(text, [i, i + d])).toBe(want);
    });
  }

  it('usage: null first in the object, or with a space (not compact JSON), is taken out too', () => {
    const first = `data: {"usage":null,${role.slice(1)}\n\n`;
    expect(through(first, [])).toBe(`data: ${role}\n\n`);
    const spaced = `data: ${role.slice(0, -1)}, "usage": null}\n\n`;
    expect(through(spaced, [])).toBe(`data: ${role}\n\n`);
  });

  it('CRLF line ends and a cut between CR and LF: events kept, usage taken out', () => {
    const text = [role, usage].map((c) => `data: ${c}\r\n\r\n`).join('') + 'data: [DONE]\r\n\r\n';
    const n = enc.encode(text).byteLength;
    for (let i = 0; i <= n; i++) expect(through(text, [i]).replace(/\r\n/g, '\n')).toBe(`data: ${role}\n\ndata: [DONE]\n\n`);
  });

  it('a read with no usage that ends an event is handed back as it is (no copy)', () => {
    const s = new UsageStripper();
    const v = enc.encode(`data: ${tok}\n\n`.replace('usage', 'usagf').replace('"usage"', '"usagf"'));
    expect(s.push(v)).toBe(v);
  });

  it('an answer that ends inside an event: the rest goes out at the end', () => {
    expect(through(`data: ${role}\n\ndata: ${fin}`, [10])).toBe(`data: ${role}\n\ndata: ${fin}\n\n`);
  });

  it('dropHeld: what is held of an event is dropped, the client is between events (a stream that fails mid-event)', () => {
    const s = new UsageStripper();
    expect(dec.decode(s.push(enc.encode(`data: ${role}\n\ndata: {"id":"c1"`)))).toBe(`data: ${role}\n\n`);
    expect(s.dropHeld()).toBe(true);
    expect(dec.decode(s.finish())).toBe('');
  });

  it('without the strip: whole events pass, usage and all; a partial one waits for its end, or is ended at the end', () => {
    const s = new UsageStripper(false);
    const usage = 'data: {"choices":[],"usage":{"total_tokens":3}}\n\n';
    const one = enc.encode(`data: ${role}\n\n${usage}`);
    expect(s.push(one)).toBe(one);
    expect(dec.decode(s.push(enc.encode(`data: ${fin.slice(0, 9)}`)))).toBe('');
    expect(dec.decode(s.push(enc.encode(`${fin.slice(9)}\n\n${usage}data: [DO`)))).toBe(`data: ${fin}\n\n${usage}`);
    expect(dec.decode(s.finish())).toBe('data: [DO\n\n');
  });
});

describe('askUsage', () => {
  const ask = (body: Record<string, unknown>) => JSON.parse(askUsage(JSON.stringify(body), body as never));
  it('adds include_usage, keeps other stream_options keys, turns an explicit false or null into true', () => {
    expect(ask({ model: 'm', messages: [], stream: true })).toEqual({ model: 'm', messages: [], stream: true, stream_options: { include_usage: true } });
    expect(ask({ model: 'm', stream: true, stream_options: { include_usage: false, continuous_usage_stats: false } }).stream_options).toEqual({ include_usage: true, continuous_usage_stats: false });
    expect(ask({ model: 'm', stream: true, stream_options: null }).stream_options).toEqual({ include_usage: true });
  });
  it('leaves a stream_options that is no object for the upstream to judge', () => {
    expect(ask({ model: 'm', stream: true, stream_options: 'yes' }).stream_options).toBe('yes');
  });
});
