// watchStream: bytes pass through as they arrive, and the assembled answer handed to done taps
// carries everything a streamed answer can hold (content, reasoning, tool calls, usage), the same
// assembly the cache replays from (src/cache/sse.ts).
import { describe, expect, it } from 'vitest';
import { watchReader, watchStream } from '../../src/upstream/sse.ts';
import type { ResponseTap } from '../../src/pipeline/context.ts';

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra })}\n\n`;

const EVENTS = [
  chunk([{ index: 0, delta: { role: 'assistant', reasoning_content: 'think ' } }]),
  chunk([{ index: 0, delta: { reasoning_content: 'hard' } }]),
  chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } }] } }]),
  chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] } }]),
  chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
  chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
  'data: [DONE]\n\n',
];

function source(parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  // Split across event boundaries, as TCP does.
  const bytes = enc.encode(parts.join(''));
  const cuts = [0, 17, 90, 91, 300, bytes.length];
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i >= cuts.length - 1) return c.close();
      c.enqueue(bytes.slice(cuts[i], cuts[i + 1]));
      i++;
    },
  });
}

async function drain(s: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(s).text();
}

describe('watchStream', () => {
  it('passes the bytes through and assembles reasoning, tool calls and usage for done taps', async () => {
    let done: { completion: Record<string, unknown>; sse?: string[] } | undefined;
    let ended: { completion?: Record<string, unknown> } | undefined;
    const tap: ResponseTap = { name: 't', done: (a) => void (done = a) };
    const out = watchStream(source(EVENTS), [tap], { onFirstByte() {}, onEnd: (i) => void (ended = i), onError() {} });
    expect(await drain(out)).toBe(EVENTS.join(''));
    expect(done).toBeUndefined(); // the forwarder runs done taps; watchStream hands it the completion
    const msg = (ended!.completion!.choices as Array<{ message: Record<string, unknown>; finish_reason: string }>)[0];
    expect(msg.finish_reason).toBe('tool_calls');
    expect(msg.message.reasoning_content).toBe('think hard');
    expect(msg.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
    expect(ended!.completion!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('rewrites chunks through a chunk tap and assembles what the client got', async () => {
    const tap: ResponseTap = {
      name: 'upper',
      chunk: (c) => {
        const ch = (c.choices as Array<{ delta?: { reasoning_content?: string } }>)[0];
        if (ch?.delta?.reasoning_content) ch.delta.reasoning_content = ch.delta.reasoning_content.toUpperCase();
        return c;
      },
    };
    let ended: { completion?: Record<string, unknown> } | undefined;
    const text = await drain(watchStream(source(EVENTS), [tap], { onFirstByte() {}, onEnd: (i) => void (ended = i), onError() {} }));
    expect(text).toContain('THINK ');
    const msg = (ended!.completion!.choices as Array<{ message: Record<string, unknown> }>)[0];
    expect(msg.message.reasoning_content).toBe('THINK HARD');
  });

  it('without taps forwards untouched and still finds usage for token metrics', async () => {
    let ended: { last?: Record<string, unknown>; completion?: unknown } | undefined;
    const text = await drain(watchStream(source(EVENTS), [], { onFirstByte() {}, onEnd: (i) => void (ended = i), onError() {} }));
    expect(text).toBe(EVENTS.join(''));
    expect(ended!.completion).toBeUndefined();
    expect(ended!.last!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  // A web stream's reader (the Worker's upstream body) ends a pending read as done when it is
  // cancelled; the client's leave must stay a cancellation, not also become a clean end.
  for (const taps of [[], [{ name: 'store', done: () => {} }] as ResponseTap[]]) {
    it(`a cancel while a read waits on a web-stream upstream is reported once, as an error, never as an end (${taps.length ? 'collecting' : 'no taps'})`, async () => {
      const upstream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(EVENTS[0]!));
        },
      });
      const calls: string[] = [];
      const r = watchReader(upstream.getReader(), taps, {
        onFirstByte() {},
        onEnd: () => void calls.push('end'),
        onError: () => void calls.push('error'),
      });
      expect((await r.read()).done).toBe(false);
      const pending = r.read();
      await r.cancel('client left');
      expect(await pending).toEqual({ done: true, value: undefined });
      await new Promise((res) => setTimeout(res, 10));
      expect(calls).toEqual(['error']);
    });
  }
});

describe('watchStream with an event whose data is JSON null', () => {
  // Valid SSE and valid JSON, but not an object: a collecting watch (cache store, PII restore) must
  // pass it through as an unparseable event, not throw from the read (the client's answer was cut
  // with no log line and no error metric).
  const text = chunk([{ index: 0, delta: { content: 'a' } }]) + 'data: null\n\n' + chunk([{ index: 0, delta: { content: 'b' }, finish_reason: 'stop' }]) + 'data: [DONE]\n\n';
  for (const tap of [{ name: 'store', done: () => {} }, { name: 'rewrite', chunk: (c: Record<string, unknown>) => c }] as ResponseTap[]) {
    it(`passes through with a ${tap.chunk ? 'chunk' : 'done'} tap and ends cleanly`, async () => {
      const calls: string[] = [];
      const out = watchStream(source([text]), [tap], { onFirstByte() {}, onEnd: () => void calls.push('end'), onError: () => void calls.push('error') });
      expect(await drain(out)).toContain('data: null\n\n');
      expect(calls).toEqual(['end']);
    });
  }
});

describe('watchReader when its own handling of the answer throws', () => {
  // A tap or the end's bookkeeping failing on an odd answer is no upstream read failure: it must
  // still be reported once through onError
  // (the request's log line and error metric; on Node nothing else prints it) and drop the upstream.
  // The upstream is cancelled when it was still sending (a finished one is left alone).
  const cases: Array<[string, ResponseTap, string, number]> = [
    ['a chunk tap that throws mid-answer', { name: 'bad', chunk: () => { throw new Error('tap bug'); } }, chunk([{ index: 0, delta: { content: 'a' } }]), 1],
    // The last event without its blank line is handled after the upstream's end.
    ['a chunk tap that throws on the last event, after the upstream ended', { name: 'bad', chunk: (c) => { if (c.id === 'last') throw new Error('tap bug'); return c; } }, `data: ${JSON.stringify({ id: 'last', choices: [] })}`, 0],
  ];
  for (const [name, tap, event, cancels] of cases) {
    it(`${name}: the read fails, onError runs once${cancels ? ', the upstream is cancelled' : ''}`, async () => {
      let cancelled = 0;
      const parts = cancels ? [event, 'data: [DONE]\n\n'] : [event];
      const upstream = new ReadableStream<Uint8Array>({
        pull(c) {
          const p = parts.shift();
          if (p === undefined) c.close();
          else c.enqueue(new TextEncoder().encode(p));
        },
        cancel() {
          cancelled++;
        },
      });
      const calls: string[] = [];
      const r = watchReader(upstream.getReader(), [tap], { onFirstByte() {}, onEnd: () => void calls.push('end'), onError: () => void calls.push('error') });
      let failure: unknown;
      try {
        while (!(await r.read()).done);
      } catch (err) {
        failure = err;
      }
      expect(failure).toBeInstanceOf(Error);
      await expect(r.read()).rejects.toBe(failure);
      await r.cancel('client left');
      expect(calls).toEqual(['error']);
      expect(cancelled).toBe(cancels);
    });
  }
});
