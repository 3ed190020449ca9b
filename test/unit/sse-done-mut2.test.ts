// Mutation audit, round 2: the [DONE] spotter (src/upstream/sse-done.ts) behaviour that surviving
// mutants showed untested. Blanks after [DONE] on its line may be tabs as well as spaces, and the
// window kept across small reads is 24 bytes: a [DONE] line with trailing blanks that fills it
// (`data: [DONE]` + 10 blanks + the blank line), read a byte at a time, is still seen. After [DONE],
// an upstream that ends at once leaves no timer behind and is not cancelled later by the grace timer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DoneSpotter, endAfterDone } from '../../src/upstream/sse-done.ts';

const enc = new TextEncoder();
const chunk = 'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n';

/** What the spotter says after each piece when `text` is read `size` bytes at a time. */
function readIn(text: string, size: number): boolean[] {
  const s = new DoneSpotter();
  const b = enc.encode(text);
  const out: boolean[] = [];
  for (let at = 0; at < b.byteLength; at += size) out.push(s.push(b.subarray(at, at + size)));
  return out;
}

describe('DoneSpotter: blanks after [DONE]', () => {
  for (const blanks of ['\t', ' \t', '\t \t']) {
    it(`data: [DONE]${JSON.stringify(blanks)} then the blank line: seen, read whole or a byte at a time`, () => {
      const text = `${chunk}data: [DONE]${blanks}\n\n`;
      expect(readIn(text, text.length)).toEqual([true]);
      const bytewise = readIn(text, 1);
      expect(bytewise.at(-1)).toBe(true);
      expect(bytewise.slice(0, -1).every((x) => !x)).toBe(true);
    });
  }

  it('a [DONE] line that fills the 24-byte window (10 trailing blanks), read a byte at a time, is seen at its end only', () => {
    const event = `data: [DONE]${' \t'.repeat(5)}\n\n`;
    expect(enc.encode(event).byteLength).toBe(24);
    const bytewise = readIn(chunk + event, 1);
    expect(bytewise.at(-1)).toBe(true);
    expect(bytewise.slice(0, -1).every((x) => !x)).toBe(true);
    // Read in 5-byte pieces too (the window joins pieces across reads).
    expect(readIn(chunk + event, 5).at(-1)).toBe(true);
  });
});

describe('endAfterDone with an upstream that ends at once', () => {
  afterEach(() => vi.useRealTimers());
  it('resolves, clears both timers, and never cancels the finished reader', async () => {
    vi.useFakeTimers();
    let cancels = 0;
    const reader = {
      read: () => Promise.resolve({ done: true, value: undefined } as ReadableStreamReadResult<Uint8Array>),
      cancel: () => {
        cancels++;
        return Promise.resolve();
      },
    };
    await endAfterDone(reader, 200, 5000);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(cancels).toBe(0);
  });
});
