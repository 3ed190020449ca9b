// Clients that leave in the middle of uploading a body (declared length, and chunked), on every route
// that reads one, against a real semroute process (runtimes/node/main.ts): the request is logged once
// at info as cancelled (499), nothing is sent upstream, nothing is logged at warn or error, and the
// process keeps serving. The classification API logged each one as 'classification failed' at error
// level and answered (to nobody) 500 UNIFIED_CLASSIFICATION_ERROR: a flaky client network filled
// the error log and the error-rate alerts of an operator with its own aborts.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProcessBehindUpstream, type GatewayProcess } from './helpers/gateway-process.ts';

let upstreamRequests = 0;
let gw: GatewayProcess;
useProcessBehindUpstream('semroute-abort-', (req, res) => {
  upstreamRequests++;
  req.resume().on('end', () => res.end('{}'));
}, '', (g) => (gw = g));

/** Sends a head and part of the body, then resets the connection once the gateway is reading it. */
function abortMidUpload(path: string, chunked: boolean): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(gw.port, '127.0.0.1', () => {
      // A whole chunk (0x11 = 17 bytes) then the reset: the reset is the only fault (a 0x10 chunk of 17 bytes was a framing error).
      const framing = chunked ? 'Transfer-Encoding: chunked\r\n\r\n11\r\n{"model":"qwen3",\r\n' : 'Content-Length: 4000\r\n\r\n{"model":"qwen3","text":"';
      s.write(`POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n${framing}`);
      setTimeout(() => s.resetAndDestroy(), 150);
    });
    s.on('error', () => {});
    s.on('close', () => resolve());
  });
}

const lines = (from: number) =>
  gw
    .out()
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
const WARN = 40;

describe('a client that leaves mid-upload', () => {
  const routes = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/api/v1/classify/intent', '/api/v1/classify/batch'];
  for (const path of routes) {
    for (const chunked of [false, true]) {
      it(`${path}, ${chunked ? 'chunked' : 'declared length'}: one info line with status 499, nothing upstream, no warning or error`, async () => {
        const from = gw.out().length;
        const before = upstreamRequests;
        await abortMidUpload(path, chunked);
        // The gateway notices the reset and logs the request.
        const deadline = Date.now() + 3_000;
        while (!lines(from).some((l) => l.status !== undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const logged = lines(from);
        expect(logged.filter((l) => (typeof l.level === 'number' ? l.level >= WARN : ['warn', 'error', 'fatal'].includes(l.level))), JSON.stringify(logged)).toEqual([]);
        expect(logged.filter((l) => l.status !== undefined).map((l) => l.status)).toEqual([499]);
        expect(upstreamRequests).toBe(before);
      });
    }
  }

  it('the process still serves, and holds none of the aborted requests (llm_inflight_requests 0)', async () => {
    const res = await fetch(`${gw.base}/health`);
    expect(res.status).toBe(200);
    const metrics = await (await fetch(`${gw.base}/metrics`)).text();
    expect(metrics).toMatch(/^llm_inflight_requests 0$/m);
  });
});
