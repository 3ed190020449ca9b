// Mutation audit 3 of runtimes/node/upstream-exchange.ts (the Node client's one request/answer exchange
// on undici's dispatch handler API): what the earlier tests of it left open, each found as a mutant of
// that file that every upstream test let live. Real sockets: a node:http upstream on port 0 and the
// gateway's own Node upstream client.
//  - the read cap of a plain (not gzip) JSON answer: its boundary, its error class, the socket dropped;
//  - UTF-8 split across chunks;
//  - text() or a reader attached late: after the answer paused the upstream, after it failed;
//  - an answer that fails after its head takes its listener off the client's signal;
//  - a request aborted while queued for the pool's only connection never reaches the upstream;
//  - a gzip answer reset right after a complete member is a failure, not a short answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import zlib from 'node:zlib';
import { createNodeUpstreamClient } from '../../runtimes/node/upstream-client.ts';
import { UpstreamTimeoutError, UpstreamTooLargeError, type CancelSignal, type UpstreamClient } from '../../src/upstream/types.ts';
import { until, untilSteady } from './helpers/until.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler;
let server: http.Server;
let base: string;
/** Paths of the requests the upstream received, in order. */
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url!);
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const send = (c: UpstreamClient, extra: { signal?: CancelSignal; timeoutMs?: number; path?: string } = {}) =>
  c.send({ baseUrl: base, method: 'POST', path: extra.path ?? '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: '{}', signal: extra.signal, timeoutMs: extra.timeoutMs });

/** Resolves with `p`'s outcome, or 'hung' after ms (a mutant that loses an end or a failure hangs). */
const within = <T>(p: Promise<T>, ms = 10_000) =>
  Promise.race([p.then((v) => ({ ok: v }), (e: unknown) => ({ err: e })), new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);

/** A client signal that counts its listeners and says when the last one went. */
function countingSignal() {
  const listeners = new Set<() => void>();
  let emptied: () => void = () => {};
  const signal: CancelSignal = {
    aborted: false,
    addEventListener: (_t, l) => void listeners.add(l),
    removeEventListener: (_t, l) => {
      listeners.delete(l);
      if (listeners.size === 0) emptied();
    },
  };
  return { signal, listeners, settled: new Promise<void>((r) => (emptied = r)) };
}

describe('the read cap of a plain JSON answer (maxAnswerBytes)', () => {
  const body = (n: number) => JSON.stringify({ pad: 'p'.repeat(n - 10) });

  it('an answer of exactly the cap is read whole; one byte more is UpstreamTooLargeError', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1, maxAnswerBytes: 1000 });
    try {
      for (const n of [1000, 1001]) {
        const b = body(n);
        expect(b.length).toBe(n);
        handler = (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(b);
        };
        const t = (await send(c, { timeoutMs: 5000 })).text!();
        if (n === 1000) expect(await t).toBe(b);
        else {
          const err = await t.catch((e: unknown) => e);
          expect(err).toBeInstanceOf(UpstreamTooLargeError);
          expect((err as UpstreamTooLargeError).maxBytes).toBe(1000);
        }
      }
    } finally {
      await c.close!();
    }
  });

  it('an endless answer past the cap: its socket is dropped (not read on), the pool serves the next request', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1, maxAnswerBytes: 64 << 10 });
    try {
      let closed!: Promise<void>;
      handler = (req, res) => {
        if (req.url === '/next') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('{"next":1}');
        }
        closed = new Promise((r) => res.once('close', () => r()));
        res.writeHead(200, { 'content-type': 'application/json' });
        const piece = Buffer.alloc(16 << 10, 0x20);
        const pump = (): void => {
          while (!res.destroyed) if (!res.write(piece)) return void res.once('drain', pump);
        };
        pump();
      };
      const err = await (await send(c)).text!().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamTooLargeError);
      // Read on and thrown away, the endless answer would hold the only connection for ever.
      expect(await within(closed)).not.toBe('hung');
      const next = await send(c, { path: '/next', timeoutMs: 5000 });
      expect(await next.text!()).toBe('{"next":1}');
    } finally {
      await c.close!();
    }
  });
});

it('UTF-8 split between two writes (a character cut in half) is decoded whole', async () => {
  const c = createNodeUpstreamClient({ maxSockets: 1 });
  try {
    const text = JSON.stringify({ content: 'héllo 😀 wörld ✓' });
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from('😀')) + 2;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, cut), () => setTimeout(() => res.end(bytes.subarray(cut)), 20));
    };
    expect(await (await send(c)).text!()).toBe(text);
  } finally {
    await c.close!();
  }
});

it("text(onData) is told of every chunk as it comes (the idle watch's restart), not only at the end", async () => {
  const c = createNodeUpstreamClient({ maxSockets: 1 });
  try {
    const parts = ['{"id":"c1",', '"object":"chat.completion",', '"choices":[]}'];
    let calls = 0;
    let step!: () => void;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(parts.join('').length) });
      let i = 0;
      // The next part goes out only once the client was told of the one before: one chunk each.
      step = () => (++i === parts.length ? res.end(parts[i - 1]) : res.write(parts[i - 1]));
      step();
    };
    const res = await send(c);
    const t = res.text!(() => {
      calls++;
      if (calls < parts.length) step();
    });
    expect(await within(t)).toEqual({ ok: parts.join('') });
    expect(calls).toBe(parts.length);
  } finally {
    await c.close!();
  }
});

describe('a consumer attached late', () => {
  it('text() after the unread answer paused the upstream: resumes it and reads all of it', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      // Past what the socket buffers on both sides hold (a few MB on loopback), so the upstream must wait.
      const total = 48 << 20;
      const state = { written: 0 };
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(total) });
        const piece = Buffer.alloc(64 << 10, 0x61);
        const pump = (): void => {
          while (state.written < total) {
            state.written += piece.length;
            const more = res.write(piece);
            if (state.written >= total) return void res.end();
            if (!more) return void res.once('drain', pump);
          }
        };
        pump();
      };
      const res = await send(c);
      // Nobody reads: 16 chunks are held, the upstream is paused and stops writing short of the whole.
      const stalled = await untilSteady(() => state.written, { quietMs: 1000, ms: 20_000 });
      expect(stalled).toBeLessThan(total);
      const got = await within(res.text!());
      expect(got).not.toBe('hung');
      expect((got as { ok: string }).ok.length).toBe(total);
    } finally {
      await c.close!();
    }
  });

  for (const how of ['text', 'reader'] as const) {
    it(`${how} after the answer already failed (reset mid-body): fails, does not wait for ever`, async () => {
      const c = createNodeUpstreamClient({ maxSockets: 1 });
      try {
        handler = (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"partial":', () => res.socket?.resetAndDestroy());
        };
        const { signal, settled } = countingSignal();
        const res = await send(c, { signal });
        // The exchange settled (failed) before anyone asked for the body.
        expect(await within(settled)).not.toBe('hung');
        const read: Promise<unknown> = how === 'text' ? res.text!() : (async () => {
          const r = res.reader!();
          for (let x = await r.read(); !x.done; x = await r.read());
        })();
        const got = await within(read);
        expect(got).not.toBe('hung');
        expect(got).toHaveProperty('err');
      } finally {
        await c.close!();
      }
    });
  }
});

it("an answer that fails after its head (text() pending) takes its listener off the client's signal", async () => {
  const c = createNodeUpstreamClient({ maxSockets: 1 });
  try {
    let cut!: () => void;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"partial":');
      cut = () => res.socket?.resetAndDestroy();
    };
    const { signal, listeners } = countingSignal();
    const res = await send(c, { signal });
    const t = res.text!();
    expect(listeners.size).toBe(1);
    cut();
    await expect(t).rejects.toThrow();
    // The request's signal lives on (its client is still being answered): a listener left on it holds
    // the exchange and what it references.
    expect(listeners.size).toBe(0);
  } finally {
    await c.close!();
  }
});

it('a request that timed out while queued for the only connection is never sent once the connection frees', async () => {
  const c = createNodeUpstreamClient({ maxSockets: 1 });
  try {
    seen.length = 0;
    handler = (req, res) => {
      if (req.url === '/hold') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.write('data: 1\n\n');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    };
    const first = await send(c, { path: '/hold' });
    const err = await send(c, { path: '/queued', timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    // The held answer ends (its socket goes): the pool's queue moves on.
    await first.reader!().cancel();
    const next = await send(c, { path: '/after', timeoutMs: 5000 });
    expect(JSON.parse(await next.text!())).toEqual({ path: '/after' });
    expect(seen).toEqual(['/hold', '/after']);
  } finally {
    await c.close!();
  }
});

it('a gzip answer whose reader is cancelled (no client abort: an idle timeout, a stream ended early) closes its socket', async () => {
  const c = createNodeUpstreamClient({ maxSockets: 1 });
  try {
    let closed!: Promise<void>;
    handler = (req, res) => {
      if (req.url === '/next') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{"next":1}');
      }
      closed = new Promise((r) => res.once('close', () => r()));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const z = zlib.createGzip();
      z.pipe(res);
      const event = Buffer.from(`data: ${'x'.repeat(1000)}\n\n`);
      const pump = (): void => {
        while (!res.destroyed) if (!z.write(event)) return void z.once('drain', pump);
      };
      z.write(event);
      z.flush(pump);
    };
    const r = (await send(c)).reader!();
    expect((await r.read()).done).toBe(false);
    await r.cancel();
    // Left open, the paused answer would hold the pool's only connection for ever.
    expect(await within(closed)).not.toBe('hung');
    const next = await send(c, { path: '/next', timeoutMs: 5000 });
    expect(await next.text!()).toBe('{"next":1}');
  } finally {
    await c.close!();
  }
});

describe('a gzip answer reset right after a complete gzip member', () => {
  for (const how of ['text', 'reader'] as const) {
    it(`${how}: a failure, not a short answer that ends cleanly`, async () => {
      const c = createNodeUpstreamClient({ maxSockets: 1 });
      try {
        const member = zlib.gzipSync('{"choices":[{"text":"part');
        handler = (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          res.write(member, () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
        };
        const res = await send(c);
        const read = how === 'text' ? res.text!() : (async () => {
          const r = res.reader!();
          let s = '';
          for (let x = await r.read(); !x.done; x = await r.read()) s += Buffer.from(x.value!).toString();
          return s;
        })();
        const got = await within(read);
        expect(got).toHaveProperty('err');
      } finally {
        await c.close!();
      }
    });
  }
});
