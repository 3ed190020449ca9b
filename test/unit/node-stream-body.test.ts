// runtimes/node/stream-body.ts: the streamed-answer body @hono/node-server writes without a web
// ReadableStream. It must behave as a ReadableStream does for what that writer uses (locked,
// getReader, cancel; read, cancel, closed; closed resolves after a failed read, on purpose), and still
// make a real Response when something asks for one.
import { describe, expect, it } from 'vitest';
import { ReaderBody } from '../../runtimes/node/stream-body.ts';
import type { BodyReader } from '../../src/upstream/types.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

/** A reader over scripted chunks; `hold` makes the read after the chunks wait until released. */
function source(chunks: string[], opts: { fail?: Error; hold?: boolean } = {}) {
  let i = 0;
  const cancels: unknown[] = [];
  let release: (() => void) | undefined;
  const reader: BodyReader = {
    async read() {
      if (i < chunks.length) return { done: false, value: bytes(chunks[i++]!) };
      if (opts.hold) await new Promise<void>((r) => (release = r));
      if (opts.fail) throw opts.fail;
      return { done: true, value: undefined };
    },
    async cancel(reason) {
      cancels.push(reason);
    },
  };
  return { reader, cancels, release: () => release?.() };
}

describe('ReaderBody', () => {
  it('a read rejected with a falsy value rejects with an Error (@hono/node-server only destroys the response on a truthy error)', async () => {
    for (const falsy of [undefined, null, 0, '']) {
      const body = new ReaderBody({ read: () => Promise.reject(falsy), cancel: async () => {} });
      const err = await body.getReader().read().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/upstream body read failed/);
    }
  });

  it('reads the chunks in order, then done; closed resolves with the end', async () => {
    const body = new ReaderBody(source(['a', 'b']).reader);
    expect(body.locked).toBe(false);
    const r = body.getReader();
    expect(body.locked).toBe(true);
    expect(() => body.getReader()).toThrow(TypeError);
    let closed = false;
    void r.closed.then(() => (closed = true));
    expect(new TextDecoder().decode((await r.read()).value)).toBe('a');
    expect(new TextDecoder().decode((await r.read()).value)).toBe('b');
    await Promise.resolve();
    expect(closed).toBe(false);
    expect(await r.read()).toEqual({ done: true, value: undefined });
    await r.closed;
    expect(closed).toBe(true);
    expect(await r.read()).toEqual({ done: true, value: undefined });
  });

  it('a failed read rejects; closed resolves (the writer destroys the response on the read, nothing prints it), later reads are done', async () => {
    const err = new Error('upstream gone');
    const r = new ReaderBody(source(['a'], { fail: err }).reader).getReader();
    await r.read();
    await expect(r.read()).rejects.toBe(err);
    await expect(r.closed).resolves.toBeUndefined();
    expect(await r.read()).toEqual({ done: true, value: undefined });
  });

  it('cancel ends a pending read as done, resolves closed and reaches the source once', async () => {
    const s = source(['a'], { hold: true });
    const r = new ReaderBody(s.reader).getReader();
    await r.read();
    const pending = r.read();
    await r.cancel('client left');
    expect(await pending).toEqual({ done: true, value: undefined });
    await r.closed;
    await r.cancel('again');
    expect(s.cancels).toEqual(['client left']);
    s.release();
  });

  it('cancel after the end does not reach the source (a finished upstream answer is left alone)', async () => {
    const s = source(['a']);
    const r = new ReaderBody(s.reader).getReader();
    while (!(await r.read()).done);
    await r.cancel();
    expect(s.cancels).toEqual([]);
  });

  it('a real Response takes it as an async iterable (bytes in order); cancelling that stream cancels the source', async () => {
    expect(await new Response(new ReaderBody(source(['da', 'ta: 1\n\n']).reader) as unknown as BodyInit).text()).toBe('data: 1\n\n');
    const s = source(['a'], { hold: true });
    const res = new Response(new ReaderBody(s.reader) as unknown as BodyInit);
    const rd = res.body!.getReader();
    await rd.read();
    await rd.cancel('stop');
    expect(s.cancels).toHaveLength(1);
    s.release();
  });
});
