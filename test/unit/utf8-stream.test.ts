// Utf8Stream decodes a byte stream cut anywhere like TextDecoder's stream mode, and hands back the
// bytes of a character cut at the end (what a rewriting SSE reader that gives up must still send on);
// SseEventSplitter.release hands back the unfinished event it held.
import { describe, expect, it } from 'vitest';
import { unfinished, Utf8Stream } from '../../src/upstream/utf8-stream.ts';
import { SseEventSplitter } from '../../src/upstream/sse-events.ts';

const text = '\uFEFFa é — 日本 😀 z\uFEFF';

describe('Utf8Stream', () => {
  it('gives the same text as TextDecoder for every 3-way cut, and keeps only cut characters', () => {
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const u = new Utf8Stream();
        const d = new TextDecoder();
        let got = '';
        let want = '';
        for (const [a, b] of [[0, i], [i, j]] as const) {
          got += u.decode(bytes.subarray(a, b));
          want += d.decode(bytes.subarray(a, b), { stream: true });
        }
        // What is held is exactly the start of a character: with the rest it decodes whole.
        const held = u.take();
        const rest = bytes.subarray(j);
        expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([...held, ...rest]))).toBe(
          new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(j - held.length)),
        );
        expect(held.length).toBe(unfinished(bytes.subarray(0, j)));
        got += u.decode(rest, true);
        want += d.decode(rest);
        if (held.length) continue; // taken: the stream no longer has it
        expect(got).toBe(want);
      }
    }
  });

  it('holds an invalid or truncated tail and decodes it to U+FFFD as TextDecoder does', () => {
    for (const bad of [[0xe0, 0x80], [0xf8], [0xc3], [0xf0, 0x9f, 0x98]]) {
      const u = new Utf8Stream();
      const got = u.decode(new Uint8Array([0x41, ...bad])) + u.decode(new Uint8Array([0x42]), true);
      const d = new TextDecoder();
      expect(got).toBe(d.decode(new Uint8Array([0x41, ...bad]), { stream: true }) + d.decode(new Uint8Array([0x42])));
    }
  });
});

describe('SseEventSplitter.release', () => {
  it('hands back the unfinished event (a trailing CR last, as it came) and forgets it', () => {
    const sp = new SseEventSplitter();
    expect(sp.push('data: 1\r\n\r\ndata: {"a"')).toEqual(['data: 1']);
    expect(sp.push(':2}\r')).toEqual([]);
    expect(sp.release()).toBe('data: {"a":2}\r');
    expect(sp.pendingLength).toBe(0);
    expect(sp.atBoundary()).toBe(true);
    expect(sp.finish()).toBe('');
  });
});
