// The HTTP listener's timeouts, set from the config of a real semroute process (runtimes/node/main.ts)
// and checked over raw sockets: an idle kept-alive connection, a head that never ends, a body that
// stops coming. They were fixed (keep-alive 65 s, head 60 s, request 300 s): an operator could not
// raise the keep-alive timeout above a load balancer's own (Google Cloud's keeps backend connections
// 600 s and asks for more than that; a shorter one loses requests to the close race as 502s), nor
// shorten how long a slow client may hold a socket.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProcessBehindUpstream, type GatewayProcess } from './helpers/gateway-process.ts';

let gw: GatewayProcess;
useProcessBehindUpstream('semroute-timeouts-', (req, res) => req.resume().on('end', () => res.end('{}')), 'server: { request_timeout_ms: 2000, headers_timeout_ms: 1000, keep_alive_timeout_ms: 700 }\n', (g) => (gw = g));

/** Writes `data` on a new socket; what came back and how long until the gateway closed it. */
function hold(data: string, giveUpMs = 8_000): Promise<{ text: string; closedAfterMs: number | undefined }> {
  return new Promise((resolve) => {
    let text = '';
    const t0 = Date.now();
    const s = net.connect(gw.port, '127.0.0.1', () => s.write(data));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closedAfterMs: undefined });
    }, giveUpMs);
    s.setEncoding('latin1').on('data', (c: string) => (text += c));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - t0 });
    });
  });
}

describe('server timeouts from the config', () => {
  it('no unknown-key warning for them at start', () => {
    expect(gw.out()).not.toMatch(/unknown[^\n]*(request_timeout_ms|headers_timeout_ms|keep_alive_timeout_ms)/i);
  });

  it('server.keep_alive_timeout_ms: an idle kept-alive connection closes after it (700 ms), not after 65 s', async () => {
    const r = await hold('GET /health HTTP/1.1\r\nHost: gw\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.text).toMatch(/Keep-Alive: timeout=0\b|Keep-Alive: timeout=1\b/i);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(600);
    expect(r.closedAfterMs).toBeLessThan(3_000);
  });

  it('server.headers_timeout_ms: a head that never ends gets 408 after it (1 s), not after 60-90 s', async () => {
    const r = await hold('POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: appl');
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(r.closedAfterMs).toBeLessThan(4_000);
  });

  it('server.request_timeout_ms: a body that stops coming gets 408 after it (2 s), not after 300 s', async () => {
    const r = await hold('POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":');
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(1_900);
    expect(r.closedAfterMs).toBeLessThan(5_000);
  });

  it('a request that keeps to them is served', async () => {
    const res = await fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
  });
});
