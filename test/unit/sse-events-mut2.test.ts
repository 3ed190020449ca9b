// Mutation audit, round 2: SSE event splitting (src/upstream/sse-events.ts) behaviour that surviving
// mutants showed untested. Whitespace-only "events" (extra blank lines an upstream sends between
// events) are dropped, not handed on as events of their own; a '\r' held back as the possible first
// half of a CRLF counts in the held length the hold bound is measured by.
import { describe, expect, it } from 'vitest';
import { isErrorChunk, parseEvent, releaseOversized, SseEventSplitter, TappedEvents, withChunk } from '../../src/upstream/sse-events.ts';

describe('SseEventSplitter', () => {
  it('extra blank lines and whitespace-only blocks between events give no events', () => {
    const s = new SseEventSplitter();
    expect(s.push('data: a\n\n\n\n \n\n\t\n\ndata: b\n\n')).toEqual(['data: a', 'data: b']);
    expect(s.push('\n\n  \n\n')).toEqual([]);
    expect(s.finish()).toBe('');
  });

  it('pendingLength counts a held trailing CR', () => {
    const s = new SseEventSplitter();
    expect(s.push('data: abc\r')).toEqual([]);
    expect(s.pendingLength).toBe('data: abc\r'.length);
    // The CR was a line end after all: the event ends with the next blank line.
    expect(s.push('\n\r\n')).toEqual(['data: abc']);
    expect(s.pendingLength).toBe(0);
  });
});

describe('parseEvent', () => {
  it('a single data line without the space after the colon is read whole', () => {
    expect(parseEvent('data:{"id":"c1","choices":[]}')).toEqual({ lines: ['data:{"id":"c1","choices":[]}'], data: '{"id":"c1","choices":[]}', chunk: { id: 'c1', choices: [] } });
  });
  it('several data lines are one payload joined with a newline', () => {
    expect(parseEvent('event: x\ndata: a\ndata: b').data).toBe('a\nb');
    expect(parseEvent('data: a\ndata:b').data).toBe('a\nb');
  });
  it('JSON that is no object (an array, a number, null) is no chunk', () => {
    expect(parseEvent('data: [1,2]').chunk).toBeUndefined();
    expect(parseEvent('data: [1,2]').data).toBe('[1,2]');
    expect(parseEvent('data: 7').chunk).toBeUndefined();
    expect(parseEvent('data: null').chunk).toBeUndefined();
  });
});

describe('isErrorChunk', () => {
  it('an error object with no choices is one; error null, or error beside choices, is not', () => {
    expect(isErrorChunk({ error: { message: 'boom' } })).toBe(true);
    expect(isErrorChunk({ object: 'error', message: 'boom' })).toBe(true);
    expect(isErrorChunk({ error: null })).toBe(false);
    expect(isErrorChunk({ id: 'c1', choices: [], error: { message: 'partial' } })).toBe(false);
  });
});

describe('withChunk', () => {
  it("an event whose data line comes first keeps its other lines, the payload last", () => {
    expect(withChunk(parseEvent('data: {"a":1}\nid: 9'), { b: 2 })).toBe('id: 9\ndata: {"b":2}');
  });
});

describe('releaseOversized', () => {
  const rewriting = () => new TappedEvents([{ name: 't', chunk: (c) => c }]);
  const holding = (n: number) => {
    const s = new SseEventSplitter();
    s.push('x'.repeat(n));
    return s;
  };
  it('an event held of exactly `max` characters is kept; one more is released as it came', () => {
    expect(releaseOversized(holding(10), rewriting(), 10)).toBeUndefined();
    expect(releaseOversized(holding(11), rewriting(), 10)).toBe('x'.repeat(11));
  });
  it('nothing is released when no tap rewrites (the events pass as they come)', () => {
    expect(releaseOversized(holding(11), new TappedEvents([]), 10)).toBeUndefined();
  });
});

describe('TappedEvents recording cap', () => {
  it('recorded plus pending equal to the cap still records; one more stops', () => {
    const t = new TappedEvents([], 10);
    t.limit(10);
    expect(t.recording).toBe(true);
    t.limit(11);
    expect(t.recording).toBe(false);
  });
  it('an answer of exactly the cap is recorded whole; a character more empties it', () => {
    const t = new TappedEvents([], 10);
    expect(t.event('data: abcd')).toBe('data: abcd');
    expect(t.events).toEqual(['data: abcd']);
    expect(t.recording).toBe(true);
    t.event('x');
    expect(t.recording).toBe(false);
    expect(t.events).toEqual([]);
  });
});

describe('TappedEvents.end', () => {
  it("asks the taps for their held chunks once: at [DONE], then never again", () => {
    let asked = 0;
    const t = new TappedEvents([{ name: 't', chunk: (c) => c, end: () => (asked++, [{ id: 'held' }]) }]);
    expect(t.event('data: [DONE]')).toBe('data: {"id":"held"}\n\ndata: [DONE]');
    expect(t.end()).toBe('');
    expect(asked).toBe(1);
  });
});
