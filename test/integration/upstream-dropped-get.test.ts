// A passed-through GET that the last endpoint read and dropped unanswered (real sockets, the Node undici
// client). A GET goes on to the next endpoint after a drop (it changes nothing), so when the last one
// drops too the answer must say what happened: the upstream took the connection and closed it before
// answering (502 upstream_connection_closed, as for a POST), not that no endpoint accepted it, which
// sends an operator to look for a refusing port or a DNS failure. Only refusals keep upstream_unavailable.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const servers: net.Server[] = [];
let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  for (const s of servers.splice(0)) s.close();
});

/** Reads the request, then closes the connection without a byte of an answer. */
async function dropper(): Promise<{ port: number; dropped: () => number }> {
  let n = 0;
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      n++;
      s.destroy();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, dropped: () => n };
}

/** A port nothing listens on: the connection is refused. */
async function refusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function get(endpoints: Array<Record<string, unknown>>) {
  gw = await startGateway({ config: () => testConfig({}, endpoints) });
  const res = await fetch(`${gw.url}/version`);
  return { status: res.status, body: (await res.json()) as { error: { message: string; code: string; type: string } } };
}

// GET /version names no model, so its failure is counted per path and endpoint, not as a model's error
// (observability-model-request-count.test.ts).
const closedError = (n: number) => new RegExp(`^semroute_passthrough_requests_total\\{path="/version",code="502"\\} ${n}$`, 'm');
const closedEndpoint = /^llm_upstream_endpoint_errors_total\{endpoint="production-stack",reason="closed"\} 1$/m;

describe('a passed-through GET the last endpoint dropped', () => {
  it('one endpoint: 502 upstream_connection_closed, saying it closed the connection unanswered', async () => {
    const d = await dropper();
    const { status, body } = await get([{ name: 'production-stack', address: '127.0.0.1', port: d.port }]);
    expect(d.dropped()).toBe(1);
    expect(status).toBe(502);
    expect(body.error.code).toBe('upstream_connection_closed');
    expect(body.error.message).toMatch(/closed the connection before answering/);
    expect(body.error.message).not.toMatch(/accepted/);
    expect(gw!.metrics.render()).toMatch(closedError(1));
    expect(gw!.metrics.render()).toMatch(closedEndpoint);
    expect(gw!.metrics.render()).not.toMatch(/^llm_request_errors_total\{model="unknown"/m);
    // The operator's line says the same: the endpoint took the connection, so not 'connect failed'.
    const warned = gw!.logs.lines.filter((l) => l.level === 'warn' && l.obj.endpoint === 'production-stack');
    expect(warned.map((l) => l.msg)).toEqual(['upstream closed the connection before answering; trying next endpoint']);
  });

  it('two endpoints, both dropping: each tried once, then the same answer', async () => {
    const [a, b] = await Promise.all([dropper(), dropper()]);
    const { status, body } = await get([
      { name: 'production-stack', address: '127.0.0.1', port: a.port },
      { name: 'second', address: '127.0.0.1', port: b.port },
    ]);
    expect([a.dropped(), b.dropped()]).toEqual([1, 1]);
    expect(status).toBe(502);
    expect(body.error.code).toBe('upstream_connection_closed');
  });

  it('one refusing, the last dropping: the drop is what the client hears of', async () => {
    const d = await dropper();
    const { status, body } = await get([
      { name: 'production-stack', address: '127.0.0.1', port: await refusedPort(), weight: 10 },
      { name: 'second', address: '127.0.0.1', port: d.port, weight: 1 },
    ]);
    expect(d.dropped()).toBe(1);
    expect(status).toBe(502);
    expect(body.error.code).toBe('upstream_connection_closed');
  });

  it('only refusals: still 502 upstream_unavailable, no endpoint accepted the connection', async () => {
    const { status, body } = await get([{ name: 'production-stack', address: '127.0.0.1', port: await refusedPort() }]);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ code: 'upstream_unavailable', message: 'No upstream endpoint accepted the connection.' });
  });
});
