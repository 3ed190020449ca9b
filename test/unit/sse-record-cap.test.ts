// Memory and CPU an SSE answer may cost while its events are read for the taps (gateway watch and
// ext_proc's STREAMED body alike): the blank-line search never rescans what it searched, and the
// events recorded for the cache stop at MAX_RECORDED_CHARS, so a 50 MB answer (or one endless
// event) is passed on as it came and not stored, instead of being held whole.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_RECORDED_CHARS, SseEventSplitter, TappedEvents } from '../../src/upstream/sse-events.ts';
import { watchReader } from '../../src/upstream/sse.ts';
import type { ResponseTap } from '../../src/pipeline/context.ts';
import { sseRewriter } from '../../runtimes/node/extproc/sse-rewrite.ts';

const enc = new TextEncoder();
const store: ResponseTap = { name: 'store', done() {} };
const event = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** A long, well-formed answer of at least `chars` characters, ending in finish and [DONE]. */
function longAnswer(chars: number): string {
  const one = event('lorem ipsum dolor sit amet, consectetur adipiscing elit ');
  return one.repeat(Math.ceil(chars / one.length)) + event('', 'stop') + 'data: [DONE]\n\n';
}

/** `text` as byte chunks of `size`. */
function pieces(text: string, size: number): Uint8Array[] {
  const bytes = enc.encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('SseEventSplitter', () => {
  it('searches each character for a blank line about once, however many pieces an event comes in', () => {
    const real = String.prototype.indexOf;
    let searched = 0;
    vi.spyOn(String.prototype, 'indexOf').mockImplementation(function (this: string, s: string, from?: number) {
      if (s === '\n\n') searched += this.length - Math.max(0, from ?? 0);
      return real.call(this, s, from);
    });
    const sp = new SseEventSplitter();
    const big = `data: ${'x'.repeat(1 << 20)}`;
    for (let i = 0; i < big.length; i += 1024) expect(sp.push(big.slice(i, i + 1024))).toEqual([]);
    expect(sp.push('\n')).toEqual([]);
    expect(sp.push('\ndata: b\n\n')).toEqual([big, 'data: b']);
    // Before: every piece searched the whole event so far again (about 512 Mi characters here).
    expect(searched).toBeLessThan(3 * big.length);
  });

  it('finds the same events wherever the text is cut, a blank line or CRLF cut in half included', () => {
    const text = 'data: a\n\ndata: b\r\n\r\n: note\ndata: c\r\rdata: d\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      for (let cut2 = cut; cut2 < text.length; cut2++) {
        const sp = new SseEventSplitter();
        const got = [...sp.push(text.slice(0, cut)), ...sp.push(text.slice(cut, cut2)), ...sp.push(text.slice(cut2))];
        expect(got, `cuts ${cut}/${cut2}`).toEqual(['data: a', 'data: b', ': note\ndata: c', 'data: d']);
        expect(sp.finish()).toBe('');
      }
    }
  });
});

describe('TappedEvents record cap', () => {
  it('records up to the cap, then drops what it held and records nothing more', () => {
    const t = new TappedEvents([store], 200);
    const ev = event('hello').trimEnd();
    t.event(ev);
    expect(t.events).toEqual([ev]);
    expect(t.recording).toBe(true);
    for (let i = 0; i < 5; i++) t.event(ev);
    expect(t.recording).toBe(false);
    expect(t.events).toEqual([]);
  });

  it('an event still coming counts against the cap', () => {
    const t = new TappedEvents([store], 200);
    t.limit(150);
    expect(t.recording).toBe(true);
    t.limit(201);
    expect(t.recording).toBe(false);
  });
});

describe('ext_proc STREAMED record-only answer past the cap', () => {
  it('every chunk passes unmodified and nothing is kept or assembled', () => {
    const r = sseRewriter([store]);
    expect(r.rewrites).toBe(false);
    const chunks = pieces(longAnswer(MAX_RECORDED_CHARS + (1 << 20)), 64 * 1024);
    chunks.forEach((c, i) => expect(r.push(c, i === chunks.length - 1)).toBeUndefined());
    const { events, completion, oversized } = r.answer();
    expect(events.length).toBe(0);
    expect(completion).toBeUndefined();
    // Said, so the cache's store tap can count why nothing was stored.
    expect(oversized).toBe(true);
  });

  it('one event with no end is not buffered past the cap', () => {
    const r = sseRewriter([store]);
    const chunk = enc.encode(`data: ${'y'.repeat(64 * 1024)}`);
    for (let i = 0; i < Math.ceil(MAX_RECORDED_CHARS / chunk.length) + 2; i++) expect(r.push(chunk, false)).toBeUndefined();
    expect(r.push(enc.encode('\n\ndata: [DONE]\n\n'), true)).toBeUndefined();
    expect(r.answer().completion).toBeUndefined();
    expect(r.answer().events).toEqual([]);
  });

  it('a short answer is still recorded and assembled', () => {
    const r = sseRewriter([store]);
    const text = event('Hi') + event('', 'stop') + 'data: [DONE]\n\n';
    pieces(text, 7).forEach((c, i, all) => expect(r.push(c, i === all.length - 1)).toBeUndefined());
    const { events, completion, oversized } = r.answer();
    expect(oversized).toBe(false);
    expect(events.length).toBe(3);
    expect((completion!.choices as Array<{ message: { content: string } }>)[0]!.message.content).toBe('Hi');
  });
});

describe('gateway watch: a record-only answer past the cap', () => {
  it('passes the bytes as they came, gives no completion to store, and still finds the usage', async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 };
    const text = longAnswer(MAX_RECORDED_CHARS + (1 << 20)).replace('data: [DONE]', `data: ${JSON.stringify({ id: 'c', choices: [], usage })}\n\ndata: [DONE]`);
    const chunks = pieces(text, 64 * 1024);
    let at = 0;
    const reader = { read: async () => (at < chunks.length ? { done: false as const, value: chunks[at++]! } : { done: true as const, value: undefined }), cancel: async () => {} };
    let ended: { events: string[]; last?: Record<string, unknown>; completion?: Record<string, unknown> } | undefined;
    const w = watchReader(reader, [store], { onFirstByte() {}, onEnd: (i) => void (ended = i), onError() {} });
    let n = 0;
    for (let r = await w.read(); !r.done; r = await w.read()) expect(r.value, `chunk ${n}`).toBe(chunks[n++]);
    expect(n).toBe(chunks.length);
    expect(ended!.events).toEqual([]);
    expect(ended!.completion).toBeUndefined();
    expect(ended!.last?.usage).toEqual(usage);
  });
});
