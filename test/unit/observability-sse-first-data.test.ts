// holdsDataLine: where a stream's TTFT is taken (sse-first-data.ts): at the first "data:" field, not
// at SSE comments, and never early when the field is split across reads.
import { describe, expect, it } from 'vitest';
import { holdsDataLine } from '../../src/upstream/sse-first-data.ts';

const b = (s: string) => new TextEncoder().encode(s);

describe('holdsDataLine', () => {
  it('a data field at the start, after LF or after CR', () => {
    expect(holdsDataLine(b('data: {"a":1}\n\n'))).toBe(true);
    expect(holdsDataLine(b(': ping\n\ndata: x\n\n'))).toBe(true);
    expect(holdsDataLine(b(': ping\r\rdata:x\r\r'))).toBe(true);
  });
  it('comments, other fields and "data:" inside a comment are no token', () => {
    expect(holdsDataLine(b(': keep-alive\n\n'))).toBe(false);
    expect(holdsDataLine(b(': OPENROUTER PROCESSING data: none\n\n'))).toBe(false);
    expect(holdsDataLine(b('event: ping\nid: 3\nretry: 10\n\n'))).toBe(false);
    expect(holdsDataLine(b(''))).toBe(false);
  });
  it('split across reads: found in neither half alone that lacks the whole name, never early', () => {
    expect(holdsDataLine(b(': ping\n\nda'))).toBe(false);
    expect(holdsDataLine(b('ta: x\n\n'))).toBe(false);
    expect(holdsDataLine(b('\ndata:'))).toBe(true);
  });
});
