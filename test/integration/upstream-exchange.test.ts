// The Node upstream client on undici's dispatch handler API (runtimes/node/upstream-exchange.ts), over
// real sockets against a node:http upstream: backpressure before and after a consumer attaches, aborts
// that must close (not reuse) a half-read connection, the head timeout while the request waits for a
// connection, and what the exchange keeps alive after an answer was handed on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { createNodeUpstreamClient } from '../../runtimes/node/upstream-client.ts';
import { UpstreamTimeoutError, type CancelSignal, type UpstreamClient } from '../../src/upstream/types.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler;
let server: http.Server;
let base: string;
const sockets = new Set<import('node:net').Socket>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const send = (c: UpstreamClient, extra: { signal?: CancelSignal; timeoutMs?: number; path?: string } = {}) =>
  c.send({ baseUrl: base, method: 'POST', path: extra.path ?? '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: '{}', signal: extra.signal, timeoutMs: extra.timeoutMs });

/** An endless answer: writes until the socket pushes back; `written` counts what it wrote. */
function endless(contentType: string, gzip = false) {
  const state = { written: 0 };
  const piece = Buffer.from(`data: ${'x'.repeat(1000)}\n\n`);
  handler = (req, res) => {
    if (req.url === '/answer') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ path: req.url, n: 2 }));
    }
    res.writeHead(200, { 'content-type': contentType, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    const out: NodeJS.WritableStream = gzip ? zlib.createGzip() : res;
    if (gzip) (out as zlib.Gzip).pipe(res);
    const pump = (): void => {
      while (!res.destroyed) {
        // Random bytes (base64) hardly compress: the gzip answer grows on the wire about as the plain one.
        const p = gzip ? Buffer.from(crypto.randomBytes(768).toString('base64')) : piece;
        state.written += p.length;
        if (!out.write(p)) return void out.once('drain', pump);
      }
    };
    pump();
  };
  return state;
}

/** Waits the window, then lets the event loop take the I/O that came meanwhile (setImmediate runs after
 *  the poll phase); false when the process was off the CPU for much of it (a loaded box). A starved
 *  process's timer fires before the I/O that queued up is read, so such a window showed no growth
 *  where the upstream was not paused at all (a "settled" 5 MB short of where it settles). */
async function waitWindow(ms: number): Promise<boolean> {
  const t0 = performance.now();
  await sleep(ms);
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  return performance.now() - t0 < ms * 1.5;
}

/** Waits until the upstream's writes stop growing (buffers on both sides full): two on-time windows in
 *  a row with under 256 KB written, at most 12 s. Then what it wrote, and what it wrote in the next
 *  on-time 700 ms window. An upstream that is never paused writes megabytes in every on-time window. */
async function stalls(state: { written: number }): Promise<{ settled: number; after: number }> {
  const t0 = performance.now();
  for (let quiet = 0; quiet < 2 && performance.now() - t0 < 12_000; ) {
    const last = state.written;
    const onTime = await waitWindow(500);
    quiet = state.written - last > 256 << 10 ? 0 : onTime ? quiet + 1 : quiet;
  }
  let settled = state.written;
  for (let i = 0; i < 5; i++) {
    settled = state.written;
    if (await waitWindow(700)) break;
  }
  return { settled, after: state.written - settled };
}

describe('backpressure', () => {
  for (const gzip of [false, true]) {
    it(`${gzip ? 'gzip' : 'plain'}: an answer nobody reads yet pauses the upstream`, async () => {
      const c = createNodeUpstreamClient({ maxSockets: 1 });
      try {
        const state = endless('text/event-stream', gzip);
        const res = await send(c);
        const { settled, after } = await stalls(state);
        expect(after).toBeLessThan(1 << 20);
        expect(settled).toBeLessThan(32 << 20);
        const r = res.reader!();
        expect((await r.read()).done).toBe(false);
        await r.cancel();
      } finally {
        await c.close!();
      }
    });

    it(`${gzip ? 'gzip' : 'plain'}: a reader that stops reading pauses the upstream, and reads on after`, async () => {
      const c = createNodeUpstreamClient({ maxSockets: 1 });
      try {
        const state = endless('text/event-stream', gzip);
        const res = await send(c);
        const r = res.reader!();
        for (let i = 0; i < 20; i++) expect((await r.read()).done).toBe(false);
        const { after } = await stalls(state);
        expect(after).toBeLessThan(1 << 20);
        // Resumes: the next 2 MB arrive.
        let got = 0;
        while (got < 2 << 20) got += (await r.read()).value!.byteLength;
        await r.cancel();
      } finally {
        await c.close!();
      }
    });
  }
});

describe('aborts leave no half-read connection in the pool', () => {
  const cases: [string, (res: Awaited<ReturnType<typeof send>>, ctl: AbortController) => Promise<void>][] = [
    ['reader cancelled mid-body while paused', async (res) => {
      const r = res.reader!();
      await r.read();
      await sleep(200);
      await r.cancel();
    }],
    ['client abort mid-body while paused', async (res, ctl) => {
      const r = res.reader!();
      await r.read();
      await sleep(200);
      ctl.abort();
      await expect(async () => {
        for (;;) if ((await r.read()).done) break;
      }).rejects.toThrow();
    }],
    ['client abort before anyone read', async (_res, ctl) => {
      await sleep(200);
      ctl.abort();
    }],
    ['idle abort of a pending text()', async (res) => {
      const t = res.text!();
      await sleep(100);
      res.abort!();
      await expect(t).rejects.toThrow();
    }],
  ];
  for (const [name, act] of cases) {
    it(`${name}: the socket closes and the next request on the pool gets its own answer`, async () => {
      const c = createNodeUpstreamClient({ maxSockets: 1 });
      try {
        endless('text/event-stream');
        const ctl = new AbortController();
        const res = await send(c, { signal: ctl.signal });
        await act(res, ctl);
        const next = await send(c, { path: '/answer', timeoutMs: 2000 });
        expect(next.status).toBe(200);
        expect(JSON.parse(await next.text!())).toEqual({ path: '/answer', n: 2 });
      } finally {
        await c.close!();
      }
    });
  }
});

describe('the head timeout', () => {
  it('fires while the request waits for a connection the pool has not got (timeoutMs, not the other answer)', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      endless('text/event-stream');
      const first = await send(c);
      const t0 = Date.now();
      const err = await send(c, { timeoutMs: 300 }).catch((e) => e);
      const took = Date.now() - t0;
      expect(err).toBeInstanceOf(UpstreamTimeoutError);
      expect(took).toBeLessThan(1500);
      await first.reader!().cancel();
    } finally {
      await c.close!();
    }
  });

  it('a client abort while waiting for a connection ends the send at once', async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      endless('text/event-stream');
      const first = await send(c);
      const ctl = new AbortController();
      const p = send(c, { signal: ctl.signal }).catch((e) => e);
      await sleep(50);
      const t0 = Date.now();
      ctl.abort();
      const err = await Promise.race([p, sleep(1500).then(() => 'hung')]);
      expect(err).not.toBe('hung');
      expect(Date.now() - t0).toBeLessThan(1000);
      await first.reader!().cancel();
    } finally {
      await c.close!();
    }
  });
});

describe('memory', () => {
  it('a text() answer read whole: its chunks are not kept while the request (and its signal) lives on', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      // Made before the baseline: the server side's bytes are not counted.
      const big = Buffer.from(JSON.stringify({ pad: 'y'.repeat(16 << 20) }));
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(big);
      };
      const ctl = new AbortController();
      gc();
      const before = process.memoryUsage().arrayBuffers;
      const res = await send(c, { signal: ctl.signal });
      expect((await res.text!()).length).toBe(big.length);
      // The lowest of a few samples: on a loaded box sockets and write requests let go a little late.
      let retained = Infinity;
      for (let i = 0; i < 10 && retained >= 4 << 20; i++) {
        await sleep(50);
        gc();
        retained = Math.min(retained, process.memoryUsage().arrayBuffers - before);
      }
      // `res` and the client's signal still live (a slow client is still being written to).
      expect(res.status).toBe(200);
      expect(ctl.signal.aborted).toBe(false);
      expect(retained).toBeLessThan(4 << 20);
    } finally {
      await c.close!();
    }
  });

  it("a settled answer takes its listener off the client's signal, also one that ended within its head's packet", async () => {
    const c = createNodeUpstreamClient({ maxSockets: 1 });
    try {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      };
      const listeners = new Set<() => void>();
      const signal: CancelSignal = {
        aborted: false,
        addEventListener: (_t, l) => void listeners.add(l),
        removeEventListener: (_t, l) => void listeners.delete(l),
      };
      for (let i = 0; i < 5; i++) {
        const res = await send(c, { signal });
        await res.text!();
      }
      expect(listeners.size).toBe(0);
    } finally {
      await c.close!();
    }
  });
});
