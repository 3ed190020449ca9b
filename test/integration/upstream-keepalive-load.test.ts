// An upstream whose keep-alive timeout is short (1 ms .. 5 s in practice; uvicorn, the Production Stack
// router's server, closes after 5 s and says nothing) closes kept-alive sockets as the gateway reuses
// them, under load: real Node gateway, a node:http upstream that closes each socket `idleMs` after its
// answer (its own timer, not announced: its Keep-Alive header says 60 s), 16 concurrent fetch clients
// pausing 0 to 2 x idleMs between requests, so reuses land on both sides of the close. Every request
// is answered, none reaches the upstream twice, and the gateway's re-sends on a fresh socket
// (upstream-sockets.ts 'stale') are counted in llm_upstream_retries_total. Without that re-send
// (upstream-client.ts), 9 of 600 (5 ms) and 50 of 600 (20 ms) were 502.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const completion = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });

function shortIdle(idleMs: number) {
  const arrivals = new Map<string, number>();
  const st = { connections: 0 };
  const idle = new WeakMap<Socket, ReturnType<typeof setTimeout>>();
  const server = http.createServer((req, res) => {
    clearTimeout(idle.get(req.socket));
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const id = /kid-\d+/.exec(body)?.[0] ?? '';
      arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion);
      // As uvicorn's timeout_keep_alive: the socket closed, nothing said before.
      res.on('finish', () => idle.set(req.socket, setTimeout(() => req.socket.destroy(), idleMs)));
    });
  });
  server.on('connection', () => st.connections++);
  server.keepAliveTimeout = 60_000;
  return { server, arrivals, st };
}

const TOTAL = Number(process.env.KA_TOTAL ?? 600);
const CONCURRENT = 16;

describe.each([5, 20])('an upstream closing idle sockets after %i ms, under load', (idleMs) => {
  const up = shortIdle(idleMs);
  let gw: Gateway;
  beforeAll(async () => {
    await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', r));
    const port = (up.server.address() as AddressInfo).port;
    gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
  });
  afterAll(async () => {
    await gw?.close();
    up.server.closeAllConnections();
    await new Promise((r) => up.server.close(r));
  });

  it('every request is answered (no 502), none reaches the upstream twice', async () => {
    const statuses: Record<number, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        for (let i = next++; i < TOTAL; i = next++) {
          const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: `hi kid-${i}` }] }) });
          await res.text();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          await new Promise((r) => setTimeout(r, Math.random() * idleMs * 2));
        }
      }),
    );
    const twice = [...up.arrivals.values()].filter((n) => n > 1).length;
    const resent = gw.metrics.render().match(/^llm_upstream_retries_total\{[^}]*\} (\d+)/m)?.[1] ?? '0';
    console.log(`[keep-alive load] idle ${idleMs} ms, ${TOTAL} requests: ${JSON.stringify(statuses)}, re-sent ${resent}, upstream connections ${up.st.connections}, reached twice ${twice}`);
    expect(statuses).toEqual({ 200: TOTAL });
    expect(twice).toBe(0);
    expect(up.arrivals.size).toBe(TOTAL);
  }, 300_000);
});
