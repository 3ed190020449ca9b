// Mutation audit, round 2: lastDataEvent (src/upstream/stream-whole.ts), which picks the event a
// cleanly ended stream is judged by, where surviving mutants showed behaviour untested: lone CR line
// ends split events too; a comment line that mentions "data:" is no data line; in a tail (whole
// false) the first event may be the end of one cut off, so it, or a tail with no data event, is no
// verdict (null).
import { describe, expect, it } from 'vitest';
import { lastDataEvent } from '../../src/upstream/stream-whole.ts';

describe('lastDataEvent', () => {
  it('lone CR line ends split events as LF and CRLF do', () => {
    expect(lastDataEvent('data: a\r\rdata: b\r\r', true)).toBe('data: b');
    expect(lastDataEvent('data: a\r\n\r\ndata: b\r\n\r\n', true)).toBe('data: b');
  });
  it('a comment line that names data: is not a data event', () => {
    expect(lastDataEvent('data: a\n\n: keep-alive data: none\n\n', true)).toBe('data: a');
    expect(lastDataEvent('id: 7\ndata: a\n\n', true)).toBe('id: 7\ndata: a');
  });
  it('in a tail, the first event (maybe cut at its start) or no data event at all is no verdict', () => {
    expect(lastDataEvent('data: a', false)).toBeNull();
    expect(lastDataEvent(': ping\n\n', false)).toBeNull();
    expect(lastDataEvent(': ping\n\n', true)).toBeUndefined();
    expect(lastDataEvent('x"}\n\ndata: [DONE]\n\n', false)).toBe('data: [DONE]');
  });
});
