// b5c2f9f's backpressure check (a client that stops reading makes the gateway stop reading the upstream)
// on the answer shapes the dispatch-handler client (runtimes/node/upstream-exchange.ts) reads differently:
// a gzip SSE answer (decoded through zlib), a stream recorded for the semantic cache (done taps read
// every event), and the client's disconnect closing the upstream socket in each. Raw socket client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { ask, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';
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
  await new Promise((r) => s.once('data', r));
  s.pause();
  // Socket buffers on both sides fill (a few MB on loopback), then the upstream waits on drain; on a
  // loaded box (zlib on both sides) that takes longer: wait until the writes stop growing, at most 6 s.
  for (let i = 0, last = -Infinity; i < 12 && state.written - last > 256 << 10; i++) {
    last = state.written;
    await sleep(500);
  }
  const settled = state.written;
  await sleep(1000);
  expect(state.written - settled).toBeLessThan(1 << 20);
  expect(settled).toBeLessThan(64 << 20);
  s.destroy();
  expect(await up.openSockets(0)).toBe(0);
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
