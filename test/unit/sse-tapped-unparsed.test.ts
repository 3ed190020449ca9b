// TappedEvents without a rewriting tap parses only events that may carry `usage` or an error: what it
// reports must not change for events that name them in other ways (an escaped key, the error shapes).
import { describe, expect, it } from 'vitest';
import { TappedEvents } from '../../src/upstream/sse-events.ts';
import type { ResponseTap } from '../../src/pipeline/context.ts';

const doneOnly: ResponseTap = { name: 'record', done: () => {} };

describe('TappedEvents, recording only', () => {
  it('passes and records events as they came, and finds usage behind an escaped key', () => {
    const t = new TappedEvents([doneOnly]);
    const evs = [
      'data: {"id":"c","choices":[{"index":0,"delta":{"content":"tok"}}]}',
      'data: {"id":"c","choices":[],"\\u0075sage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}',
      'data: [DONE]',
    ];
    expect(evs.map((e) => t.event(e))).toEqual(evs);
    expect(t.events).toEqual(evs);
    expect(t.last).toEqual({ id: 'c', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    expect(t.errored).toBe(false);
  });

  it('finds usage in a plain usage chunk and an error in either error shape', () => {
    const a = new TappedEvents([doneOnly]);
    a.event('data: {"choices":[],"usage":{"total_tokens":5}}');
    expect(a.last?.usage).toEqual({ total_tokens: 5 });
    const b = new TappedEvents([doneOnly]);
    b.event('data: {"error":{"message":"boom"}}');
    expect(b.errored).toBe(true);
    const c = new TappedEvents([doneOnly]);
    c.event('data: {"object":"error","message":"boom"}');
    expect(c.errored).toBe(true);
    const d = new TappedEvents([doneOnly]);
    d.event('data: {"choices":[{"index":0,"delta":{"content":"no error here"}}]}');
    expect(d.errored).toBe(false);
  });
});

describe('watchStream with events: false', () => {
  it('still rewrites, gives usage and the error flag, and keeps no events', async () => {
    const { watchStream } = await import('../../src/upstream/sse.ts');
    const upper: ResponseTap = {
      name: 'upper',
      chunk(c) {
        for (const ch of (c.choices as Array<{ delta?: { content?: string } }>) ?? []) if (ch.delta?.content) ch.delta.content = ch.delta.content.toUpperCase();
        return c;
      },
    };
    const text =
      'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n' +
      'data: {"id":"c","choices":[],"usage":{"total_tokens":9}}\n\n' +
      'data: [DONE]\n\n';
    const bytes = new TextEncoder().encode(text);
    let ended: { events: string[]; last?: Record<string, unknown>; completion?: unknown; errored?: boolean } | undefined;
    const out = await new Response(
      watchStream(new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }), [upper], {
        events: false,
        onFirstByte() {},
        onEnd: (info) => (ended = info),
        onError() {},
      }),
    ).text();
    expect(out).toContain('"content":"HI"');
    expect(ended?.last?.usage).toEqual({ total_tokens: 9 });
    expect(ended?.events).toEqual([]);
    expect(ended?.completion).toBeUndefined();
    expect(ended?.errored).toBe(false);
  });
});
