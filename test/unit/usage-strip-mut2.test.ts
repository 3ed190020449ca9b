// Mutation audit, round 2: UsageStripper behaviour that surviving mutants of src/upstream/usage-strip.ts
// showed untested. An unfinished event longer than MAX_HELD_EVENT_CHARS turns the strip off for the
// rest of the answer (its bytes, usage and all, pass as they come; at exactly the bound it is still
// held), and a whole read whose only usage keys are compact `"usage":null` loses those bytes and
// nothing else (no re-serialisation of the chunk around them); a usage chunk without a choices list
// loses its usage and keeps the rest.
import { describe, expect, it } from 'vitest';
import { UsageStripper } from '../../src/upstream/usage-strip.ts';
import { MAX_HELD_EVENT_CHARS } from '../../src/upstream/sse-events.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const usageChunk = 'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n';

describe('UsageStripper past its hold bound', () => {
  it('an unfinished event of MAX_HELD_EVENT_CHARS + 1 characters goes on as it came, and so does the rest (usage not taken out)', () => {
    const s = new UsageStripper();
    const open = `data: {"id":"c1","choices":[{"index":0,"delta":{"content":"`;
    const head = enc.encode(open + 'x'.repeat(MAX_HELD_EVENT_CHARS + 1 - open.length));
    const out = s.push(head);
    expect(out.byteLength).toBe(head.byteLength);
    expect(dec.decode(out)).toBe(dec.decode(head));
    // Off from here: the usage chunk the client did not ask for passes untouched, the same bytes.
    const rest = enc.encode(`"},"finish_reason":null}]}\n\n${usageChunk}data: [DONE]\n\n`);
    expect(s.push(rest)).toBe(rest);
    expect(s.finish().byteLength).toBe(0);
    expect(s.dropHeld()).toBe(false);
  });

  it('an unfinished event of exactly MAX_HELD_EVENT_CHARS characters is still held, and its usage taken out once it ends', () => {
    const s = new UsageStripper();
    const open = 'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":1},"pad":"';
    const head = open + 'y'.repeat(MAX_HELD_EVENT_CHARS - open.length);
    expect(head.length).toBe(MAX_HELD_EVENT_CHARS);
    expect(s.push(enc.encode(head)).byteLength).toBe(0);
    // The event ends: a usage-only chunk, dropped whole; the next chunk goes on.
    const tail = s.push(enc.encode(`"}\n\ndata: [DONE]\n\n`));
    expect(dec.decode(tail)).toBe('data: [DONE]\n\n');
  });
});

describe('UsageStripper on a usage chunk with no choices key', () => {
  it('loses its usage and keeps the rest of the chunk (no throw on the missing list)', () => {
    const s = new UsageStripper();
    // Not the fast path: a usage block, not null. Split in two so the event is read whole only at the end.
    const ev = 'data: {"id":"c9","object":"chat.completion.chunk","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n';
    expect(dec.decode(s.push(enc.encode(ev.slice(0, 20))))).toBe('');
    expect(dec.decode(s.push(enc.encode(ev.slice(20))))).toBe('data: {"id":"c9","object":"chat.completion.chunk"}\n\n');
  });
});

describe('UsageStripper on compact `"usage":null` keys', () => {
  it('a whole read keeps every other byte as the upstream wrote it (spaces, escapes, key order)', () => {
    const s = new UsageStripper();
    // Written with spaces and a \u escape: a parse-and-serialise would change both.
    const a = 'data: {"id": "c1", "choices": [{"index": 0, "delta": {"content": "caf\\u00e9"}}],"usage":null}\n\n';
    const b = 'data: {"usage":null, "id": "c2", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n';
    const c = 'data: {"id": "c3","usage":null,"choices": [{"index": 0, "delta": {"content": "\\u00e9"}}]}\n\n';
    const out = dec.decode(s.push(enc.encode(a + b + c)));
    expect(out).toBe(
      'data: {"id": "c1", "choices": [{"index": 0, "delta": {"content": "caf\\u00e9"}}]}\n\n' +
        'data: { "id": "c2", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n' +
        'data: {"id": "c3","choices": [{"index": 0, "delta": {"content": "\\u00e9"}}]}\n\n',
    );
  });

  it('a chunk that is nothing but `{"usage":null}` becomes `{}`, still JSON (not cut to a bare brace)', () => {
    const s = new UsageStripper();
    const out = dec.decode(s.push(enc.encode('data: {"usage":null}\n\ndata: [DONE]\n\n')));
    expect(out).toBe('data: {}\n\ndata: [DONE]\n\n');
    expect(JSON.parse(out.split('\n\n')[0]!.slice(6))).toEqual({});
  });
});
