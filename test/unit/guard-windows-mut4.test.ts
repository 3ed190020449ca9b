// Mutation audit 4 of src/guard/windows.ts: what splitWindows promises (its doc comment), checked on
// texts the existing test did not use: words split by newlines and tabs (code, lists), long unbroken
// tokens (base64 blobs, URLs), and the smallest window (64, window_chars' minimum). A cut moves back
// to whitespace within the window's last quarter, a window starts at a word start, and a phrase no
// longer than the overlap (windowOverlap: a quarter, at least 32) lies whole inside one window.
// Mutants that survived the guard tests: W1 (overlap without its 32 floor), W5 (no snap back: words
// cut at a window's end), W6 (snap back past the last quarter: short windows), W8 (starts not moved to
// a word start), W9 (only U+0020 as whitespace), W10 (the cut put before the space, not after it).
import { describe, expect, it } from 'vitest';
import { splitWindows, windowOverlap } from '../../src/guard/windows.ts';

/** Deterministic words of 1-9 letters, joined by `sep`; every `blobEvery`-th word a 150-letter token. */
function text(n: number, sep: (i: number) => string, blobEvery = 0): string {
  let out = '';
  let seed = 7;
  for (let i = 0; out.length < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const len = blobEvery && i % blobEvery === blobEvery - 1 ? 150 : 1 + (seed % 9);
    out += (i ? sep(i) : '') + String.fromCharCode(97 + (seed % 26)).repeat(len);
  }
  return out;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\r' || c === '\t';

const TEXTS: Record<string, string> = {
  spaces: text(6_000, () => ' '),
  'newlines and tabs only': text(6_000, (i) => (i % 3 ? '\n' : '\t')),
  'CRLF lines': text(6_000, (i) => (i % 4 ? ' ' : '\r\n')),
  'long tokens among words': text(6_000, () => ' ', 12),
};

describe('splitWindows keeps its promises (mutation audit 4)', () => {
  for (const [name, t] of Object.entries(TEXTS)) {
    for (const size of [64, 200, 512]) {
      it(`${name}, windows of ${size}`, () => {
        const overlap = windowOverlap(size);
        const ws = splitWindows(t, size, overlap);
        expect(ws[0]!.start).toBe(0);
        expect(ws.at(-1)!.end).toBe(t.length);
        const longWord = /\S{40,}/.test(t);
        for (let i = 0; i < ws.length; i++) {
          const w = ws[i]!;
          expect(w.end - w.start).toBeLessThanOrEqual(size);
          if (i > 0) {
            expect(w.start).toBeLessThan(ws[i - 1]!.end);
            // A window starts at a word start (the words here are shorter than the overlap).
            if (!longWord) expect(isSpace(t[w.start - 1]), `start ${w.start}`).toBe(true);
          }
          if (i < ws.length - 1) {
            // Never shorter than three quarters of the size: the cut moves back only that far.
            expect(w.end - w.start).toBeGreaterThanOrEqual(Math.floor((size * 3) / 4));
            // The cut lies just after whitespace when the last quarter has some.
            const quarter = t.slice(w.start + Math.floor((size * 3) / 4), w.start + size);
            if (/\s/.test(quarter)) expect(isSpace(t[w.end - 1]), `end ${w.end}`).toBe(true);
          }
        }
        // Every phrase of up to a quarter of the window (at least 32 characters) that starts a word
        // lies whole in one window.
        const phrase = Math.max(32, Math.floor(size / 4));
        for (let p = 0; p + phrase <= t.length; p++) {
          if (p > 0 && !isSpace(t[p - 1])) continue;
          if (isSpace(t[p])) continue;
          expect(
            ws.some((w) => w.start <= p && p + phrase <= w.end),
            `phrase at ${p}`,
          ).toBe(true);
        }
      });
    }
  }

  it('the overlap is a quarter of the window, at least 32', () => {
    expect(windowOverlap(64)).toBe(32);
    expect(windowOverlap(512)).toBe(128);
  });
});
