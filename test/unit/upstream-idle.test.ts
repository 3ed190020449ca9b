// The idle watch on its own, as the Worker runtime meets it (a fetch-style body, no text() fast path),
// and under watchStream with taps: a stalled stream never reaches onEnd (where the forwarder runs the
// done taps, the cache's store among them).
import { describe, expect, it } from 'vitest';
import { idleWatch, UpstreamIdleError } from '../../src/upstream/idle.ts';
import { watchStream } from '../../src/upstream/sse.ts';

const enc = new TextEncoder();
/** A body that sends `parts` and then stays silent until cancelled; `cancelled` records the cancel. */
function stallingBody(parts: string[]) {
  const state = { cancelled: false };
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < parts.length) c.enqueue(enc.encode(parts[i++]));
      else return new Promise(() => {});
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}
const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

describe('idleWatch', () => {
  it('a body without text(): the read fails with UpstreamIdleError, the upstream signal is aborted and the body cancelled', async () => {
    const { body, state } = stallingBody(['{"id":']);
    const w = idleWatch(100);
    const t0 = Date.now();
    const err = await w.text({ status: 200, headers: {}, body }).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamIdleError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(w.fired).toBe(true);
    expect(w.signal?.aborted).toBe(true);
    expect(state.cancelled).toBe(true);
  });

  it('a client abort reaches the upstream signal; 0 turns the watch off', async () => {
    const client = new AbortController();
    const w = idleWatch(1000, client.signal);
    client.abort();
    expect(w.signal?.aborted).toBe(true);
    w.dispose();
    const off = idleWatch(0, client.signal);
    expect(off.signal).toBe(client.signal);
    const { body } = stallingBody(['x']);
    expect(off.body(body)).toBe(body);
  });

  it('under watchStream with taps: the chunks pass, then the error event; onEnd never runs', async () => {
    const { body } = stallingBody([chunk('a'), chunk('b')]);
    const w = idleWatch(100);
    let ends = 0;
    let errors = 0;
    const out = watchStream(w.body(body), [{ name: 't', chunk: (c) => c, done: () => {} }], {
      onFirstByte() {},
      onEnd: () => void ends++,
      onError: (err) => {
        expect(err).toBeInstanceOf(UpstreamIdleError);
        errors++;
      },
      endWith: (err) => (err instanceof UpstreamIdleError ? 'data: {"error":{"code":"idle"}}\n\n' : undefined),
    });
    const text = await new Response(out).text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events).toHaveLength(3);
    expect(JSON.parse(events[1].slice(6)).choices[0].delta.content).toBe('b');
    expect(events[2]).toBe('data: {"error":{"code":"idle"}}');
    expect(errors).toBe(1);
    expect(ends).toBe(0);
  });
});
