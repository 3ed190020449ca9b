// [DONE] found at the end of the bytes read so far, wherever the reads were cut (sse-done.ts).
import { describe, expect, it } from 'vitest';
import { DoneSpotter, isDoneEvent } from '../../src/upstream/sse-done.ts';

const enc = new TextEncoder();
const chunk = 'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"[DONE]"},"finish_reason":null}]}';

/** Whether the spotter says [DONE] after the last of the pieces `text` is cut into at `cuts`. */
function spotted(text: string, cuts: number[]): boolean[] {
  const s = new DoneSpotter();
  const b = enc.encode(text);
  const out: boolean[] = [];
  let at = 0;
  for (const c of [...cuts, b.byteLength]) {
    out.push(s.push(b.subarray(at, c)));
    at = c;
  }
  return out;
}

describe('DoneSpotter', () => {
  for (const [name, text] of [
    ['LF', `${chunk}\n\ndata: [DONE]\n\n`],
    ['CRLF', `${chunk}\r\n\r\ndata: [DONE]\r\n\r\n`],
    ['CR', `${chunk}\r\rdata: [DONE]\r\r`],
    ['no space', `${chunk}\n\ndata:[DONE]\n\n`],
  ]) {
    it(`${name}: seen only once the blank line after [DONE] is in, at every single cut`, () => {
      for (let c = 1; c < text.length; c++) expect(spotted(text, [c])).toEqual([false, true]);
    });
  }
  it('not fooled: [DONE] inside a chunk, [DONE] without its blank line, a comment naming it', () => {
    expect(spotted(`${chunk}\n\n`, [])).toEqual([false]);
    expect(spotted(`${chunk}\n\ndata: [DONE]`, [])).toEqual([false]);
    expect(spotted(`${chunk}\n\ndata: [DONE]\n`, [])).toEqual([false]);
    expect(spotted(`: data: [DONE]\n\n`, [])).toEqual([false]);
  });
});

describe('isDoneEvent', () => {
  it('the [DONE] event as the splitter gives it, with or without other lines', () => {
    expect(isDoneEvent('data: [DONE]')).toBe(true);
    expect(isDoneEvent('data:[DONE]')).toBe(true);
    expect(isDoneEvent('id: 9\ndata: [DONE]')).toBe(true);
    expect(isDoneEvent(': data: [DONE]')).toBe(false);
    expect(isDoneEvent('data: {"content":"[DONE]"}')).toBe(false);
  });
});
