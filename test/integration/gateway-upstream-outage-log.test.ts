// An upstream outage in the log: the one Production Stack Service refusing connections for a while
// is said once per down_ms window, not once per request (each request still has its own request
// line and a 502). Real sockets: a refused port, then a listener on that port.
import { afterAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { refusedPort } from './helpers/refused-port.ts';

const ask = { model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] };
const post = async (gw: Gateway) => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask), signal: AbortSignal.timeout(5000) });
  await res.text();
  return res.status;
};
const connectWarnings = (gw: Gateway) => gw.logs.lines.filter((l) => l.level === 'warn' && /upstream connect failed/.test(l.msg ?? ''));

let gw: Gateway | undefined;
let server: http.Server | undefined;
afterAll(async () => {
  await gw?.close();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

describe('an upstream outage in the log', () => {
  it('40 requests while the only endpoint refuses: 40 x 502, one warning; after it returns and fails again, one more', async () => {
    const port = await refusedPort();
    gw = await startGateway({
      config: () => testConfig({ upstream: { down_ms: 400 } }, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]),
    });
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push(await post(gw));
    expect(statuses).toEqual(Array(40).fill(502));
    const said = connectWarnings(gw);
    expect(said).toHaveLength(1);
    expect(said[0].obj).toMatchObject({ endpoint: 'production-stack', err: expect.stringMatching(/ECONNREFUSED/) });
    // Every request still has its request line.
    expect(gw.logs.lines.filter((l) => l.msg === 'request' && l.obj.status === 502)).toHaveLength(40);

    // The endpoint comes back: served at once (a down endpoint is still tried when it is the only one).
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    expect(await post(gw)).toBe(200);
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
    // A new outage after it was up is said again, once.
    for (let i = 0; i < 10; i++) expect(await post(gw)).toBe(502);
    expect(connectWarnings(gw)).toHaveLength(2);
  });
});
