// b5c2f9f's backpressure check (a client that stops reading makes the gateway stop reading the upstream)
// on the answer shapes the dispatch-handler client (runtimes/node/upstream-exchange.ts) reads differently:
// a gzip SSE answer (decoded through zlib), a stream recorded for the semantic cache (done taps read
// every event), and the client's disconnect closing the upstream socket in each. Raw socket client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { ask, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';
import { untilSteady } from './helpers/until.ts';
import { packsAvailable, realClassifiers } from './gateway-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An endless SSE answer, plain or gzip; `written` counts the event bytes before any compression. */
function endlessSse(up: ScriptedUpstream, gzip: boolean) {
  const state = { written: 0 };
  up.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    const out: NodeJS.WritableStream = gzip ? zlib.createGzip() : res;
    if (gzip) (out as zlib.Gzip).pipe(res);
    const pump = (): void => {
      while (!res.destroyed) {
        // Random text hardly compresses: a gzip answer fills the socket about as the plain one.
        const content = gzip ? crypto.randomBytes(600).toString('base64') : 'word '.repeat(160);
        const event = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
        state.written += event.length;
        if (!out.write(event)) return void out.once('drain', pump);
      }
    };
    pump();
  };
  return state;
}

async function pausedClient(up: ScriptedUpstream, state: { written: number }): Promise<void> {
  const body = JSON.stringify({ ...ask, messages: [{ role: 'user', content: `tell me a story ${Math.random()}` }], stream: true });
  const s = net.connect(up.gw.served.port, '127.0.0.1', () =>
    s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
  );
  s.on('error', () => {});
  try {
    await new Promise((r) => s.once('data', r));
    s.pause();
    // Socket buffers on both sides fill (a few MB on loopback), then the upstream waits on drain. On a
    // loaded box (zlib on both sides, and upstream, gateway and test in one event loop) filling stalls
    // and resumes: a 500 ms window that grew less than 256 KB was taken as settled and 4.9 MB came
    // after it. Now settled is no write for 3 s of on-time ticks (untilSteady, at most 30 s).
    const settled = await untilSteady(() => state.written);
    await sleep(1000);
    expect(state.written - settled).toBeLessThan(1 << 20);
    expect(settled).toBeLessThan(64 << 20);
  } finally {
    // Also when a check failed: a paused client left open holds its upstream socket, and the next
    // test's openSockets(0) counted it (a failure cascading into the gzip case).
    s.destroy();
  }
  // The client's close reaches the upstream through the gateway's abort: polled, up to 10 s when loaded.
  expect(await up.openSockets(0, 10_000)).toBe(0);
}

describe('a paused client pauses the upstream', () => {
  let up: ScriptedUpstream;
  beforeAll(async () => {
    up = await startScriptedUpstream({});
  });
  afterAll(async () => {
    await up?.close();
  });

  it('gzip SSE answer (decoded on the way)', async () => {
    await pausedClient(up, endlessSse(up, true));
  });
});

describe.skipIf(!packsAvailable())('a paused client pauses the upstream, semantic cache on (the stream is recorded)', () => {
  let up: ScriptedUpstream;
  beforeAll(async () => {
    up = await startScriptedUpstream({}, { config: { semantic_cache: { enabled: true } }, classifiers: await realClassifiers() });
  }, 60_000);
  afterAll(async () => {
    await up?.close();
  });

  for (const gzip of [false, true]) {
    it(`${gzip ? 'gzip' : 'plain'} SSE answer`, async () => {
      await pausedClient(up, endlessSse(up, gzip));
    });
  }
});
