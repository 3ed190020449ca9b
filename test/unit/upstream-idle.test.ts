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
  it('a body without text(): the read fails with UpstreamIdleError and the body is cancelled', async () => {
    const { body, state } = stallingBody(['{"id":']);
    const w = idleWatch(100);
    const t0 = Date.now();
    const err = await w.text({ status: 200, headers: {}, body }).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamIdleError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(w.fired).toBe(true);
    expect(state.cancelled).toBe(true);
  });

  it('a text() read: fails with UpstreamIdleError once no chunk came for the limit, and the answer is aborted', async () => {
    const aborted: unknown[] = [];
    let onData: (() => void) | undefined;
    const w = idleWatch(100);
    const t0 = Date.now();
    const res = {
      status: 200,
      headers: {},
      body: new ReadableStream<Uint8Array>(),
      text: (cb?: () => void) => ((onData = cb), new Promise<string>(() => {})),
      abort: (reason?: unknown) => void aborted.push(reason),
    };
    // A chunk at 60 ms restarts the wait: the read fails about 100 ms after it, not 100 ms after the start.
    setTimeout(() => onData?.(), 60);
    const err = await w.text(res).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamIdleError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toBeInstanceOf(UpstreamIdleError);
  });

  it("the upstream signal is the client's (its abort reaches the upstream request); 0 turns the watch off", async () => {
    const client = new AbortController();
    const w = idleWatch(1000, client.signal);
    expect(w.signal).toBe(client.signal);
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
