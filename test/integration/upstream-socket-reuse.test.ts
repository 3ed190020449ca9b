// What the gateway may send again when an upstream connection goes away before any byte of the answer
// (real sockets, the Node undici client):
// - a kept-alive socket the upstream closes just as the gateway reuses it (the upstream's keep-alive
//   timeout is shorter than the gateway's and it does not announce it): the upstream never read the
//   request, so it is sent once more on a fresh socket, and the client gets its answer;
// - a fresh connection the upstream reads the request on and then drops: it may have started, so the
//   POST is not sent to the next endpoint (502 upstream_connection_closed), the endpoint counts as
//   failing (tried last for down_ms, one warning) and the next request goes to the healthy one.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { ask } from './helpers/scripted-upstream.ts';

const completion = (content: string) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
const sse = (content: string) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

/**
 * An HTTP/1.1 upstream on raw sockets with a keep-alive timeout of `idleMs` that it does not announce
 * (no Keep-Alive header, as uvicorn and many proxies): a request arriving on a socket idle for longer
 * than that finds its timer fired and the socket closed unread (the crossing of a close and a reuse).
 */
function shortKeepAlive(idleMs: number, how: 'fin' | 'rst') {
  const st = { answered: 0, closedUnread: 0, connections: 0 };
  const server = net.createServer((sock) => {
    st.connections++;
    let buf = '';
    let idleSince = 0;
    sock.on('error', () => {});
    sock.on('data', (d) => {
      if (buf === '' && idleSince && Date.now() - idleSince > idleMs) {
        st.closedUnread++;
        if (how === 'rst') sock.resetAndDestroy();
        else sock.destroy();
        return;
      }
      buf += d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const stream = JSON.parse(buf.slice(end + 4)).stream === true;
      buf = '';
      st.answered++;
      const body = stream ? sse('ok') : completion('ok');
      sock.write(`HTTP/1.1 200 OK\r\ncontent-type: ${stream ? 'text/event-stream' : 'application/json'}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      idleSince = Date.now();
    });
  });
  return { server, st };
}

const listen = async (s: net.Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const warnings = (gw: Gateway) => gw.logs.lines.filter((l) => l.level === 'warn' && /upstream/.test(l.msg ?? ''));
const retries = (gw: Gateway) => gw.metrics.render().match(/^llm_upstream_retries_total\{[^}]*\} (\d+)/m)?.[1];

describe.each(['fin', 'rst'] as const)('a kept-alive socket the upstream closed (%s) as it was reused', (how) => {
  const up = shortKeepAlive(100, how);
  let gw: Gateway;
  beforeAll(async () => {
    const port = await listen(up.server);
    gw = await startGateway({ config: () => testConfig({ upstream: { keep_alive_connections: 4 } }, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((r) => up.server.close(r));
  });

  it('is sent once more on a fresh socket: the client gets its answer (JSON and SSE), the upstream answers each once', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    expect((await client.chat.completions.create(ask)).choices[0].message.content).toBe('ok');
    for (let i = 0; i < 3; i++) {
      await sleep(200);
      const stream = i === 1;
      if (stream) {
        let text = '';
        for await (const c of await client.chat.completions.create({ ...ask, stream: true })) text += c.choices[0]?.delta?.content ?? '';
        expect(text).toBe('ok');
      } else expect((await client.chat.completions.create(ask)).choices[0].message.content).toBe('ok');
    }
    // Stale at the 2nd and 4th request: the retry's socket closes after its answer (connection: close),
    // so the 3rd opens a new pooled socket, which the 4th then finds closed.
    expect(up.st.closedUnread).toBe(2);
    expect(up.st.answered).toBe(4);
    // Not an outage: no warning, the endpoint not marked down; each re-send counted (as the Worker's).
    expect(warnings(gw)).toEqual([]);
    expect(retries(gw)).toBe('2');
    expect(gw.metrics.render()).not.toMatch(/^llm_upstream_endpoint_errors_total\{/m);
    expect(gw.logs.lines.filter((l) => l.msg === 'request').map((l) => l.obj.status)).toEqual([200, 200, 200, 200]);
  });
});

describe('a kept-alive socket closed unanswered long after the request went out', () => {
  // A non-streamed answer sends no byte until its generation ends: a crash mid-generation closes a
  // reused socket with no byte, as a crossing close does, but 1.5 s after the send (past the
  // 1 s window a crossing close comes back in). The upstream had it: not sent again.
  it('is not sent again: 502 upstream_connection_closed, the upstream got it once', async () => {
    let received = 0;
    const server = http.createServer((req, res) => {
      const sock = req.socket as net.Socket & { served?: number };
      sock.served = (sock.served ?? 0) + 1;
      req.resume();
      req.on('end', () => {
        received++;
        if (sock.served! > 1) return void setTimeout(() => sock.destroy(), 1500);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(completion('ok'));
      });
    });
    server.keepAliveTimeout = 30_000;
    const port = await listen(server);
    const gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
      expect((await client.chat.completions.create(ask)).choices[0].message.content).toBe('ok');
      const err = await client.chat.completions.create(ask).catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error.code).toBe('upstream_connection_closed');
      expect(received).toBe(2);
    } finally {
      await gw.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('a fresh connection the upstream read the request on, then dropped', () => {
  let dropper: net.Server;
  let good: http.Server;
  let dropPort: number;
  let goodPort: number;
  let dropped = 0;
  let served = 0;
  /** FIN or RST: the gateway sees 'other side closed' or ECONNRESET. */
  let how: 'fin' | 'rst' = 'fin';
  beforeAll(async () => {
    dropper = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        dropped++;
        if (how === 'rst') s.resetAndDestroy();
        else s.destroy();
      });
    });
    good = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        served++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(completion('good'));
      });
    });
    dropPort = await listen(dropper);
    goodPort = await listen(good);
  });
  afterAll(async () => {
    await new Promise((r) => dropper.close(r));
    good.closeAllConnections();
    await new Promise((r) => good.close(r));
  });
  beforeEach(() => {
    dropped = 0;
    served = 0;
  });

  const gatewayOf = () =>
    startGateway({
      config: () =>
        testConfig(
          { upstream: { down_ms: 60_000 }, model_config: { qwen3: { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack', 'good'] } } },
          // The dropper first by weight.
          [
            { name: 'production-stack', address: '127.0.0.1', port: dropPort, weight: 100 },
            { name: 'good', address: '127.0.0.1', port: goodPort, weight: 1 },
          ],
        ),
    });

  for (const [what, path, body, close] of [
    ['chat', '/v1/chat/completions', ask, 'fin'],
    ['chat, reset', '/v1/chat/completions', ask, 'rst'],
    ['passthrough', '/v1/completions', { model: 'qwen3', prompt: 'hi' }, 'fin'],
  ] as const) {
    it(`${what}: not sent to the next endpoint (502 upstream_connection_closed); the endpoint is then skipped, said once`, async () => {
      how = close;
      const gw = await gatewayOf();
      try {
        const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(res.status).toBe(502);
        expect(((await res.json()) as { error: Record<string, unknown> }).error).toMatchObject({ type: 'upstream_error', code: 'upstream_connection_closed' });
        expect(dropped).toBe(1);
        expect(served).toBe(0);
        // Marked failing: the next requests go to the healthy endpoint first.
        for (let i = 0; i < 3; i++) {
          const r = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          expect(r.status).toBe(200);
          await r.text();
        }
        expect(served).toBe(3);
        expect(dropped).toBe(1);
        const said = warnings(gw);
        expect(said).toHaveLength(1);
        expect(said[0].obj).toMatchObject({ endpoint: 'production-stack' });
        expect(gw.metrics.render()).toMatch(/^llm_upstream_endpoint_errors_total\{endpoint="production-stack",reason="closed"\} 1$/m);
      } finally {
        await gw.close();
      }
    });
  }
});

describe('a dropped GET (a passed-through /version) changed nothing upstream', () => {
  it('goes on to the next endpoint', async () => {
    let dropped = 0;
    const dropper = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        dropped++;
        s.destroy();
      });
    });
    const good = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"version":"0.9.0"}');
    });
    const dropPort = await listen(dropper);
    const goodPort = await listen(good);
    const gw = await startGateway({
      config: () =>
        testConfig({}, [
          { name: 'production-stack', address: '127.0.0.1', port: dropPort, weight: 100 },
          { name: 'good', address: '127.0.0.1', port: goodPort, weight: 1 },
        ]),
    });
    try {
      const res = await fetch(`${gw.url}/version`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ version: '0.9.0' });
      expect(dropped).toBe(1);
      expect(gw.metrics.render()).toMatch(/^llm_upstream_endpoint_errors_total\{endpoint="production-stack",reason="closed"\} 1$/m);
    } finally {
      await gw.close();
      dropper.close();
      good.closeAllConnections();
      good.close();
    }
  });
});

describe('an upstream that takes the connection and never answers', () => {
  it('504 upstream_timeout after timeout_ms; not sent to the next endpoint; the hung connection is closed', async () => {
    let accepted = 0;
    let closed = 0;
    const hang = net.createServer((s) => {
      accepted++;
      s.on('error', () => {});
      s.on('close', () => closed++);
    });
    let served = 0;
    const good = http.createServer((req, res) => {
      req.resume();
      served++;
      res.end(completion('good'));
    });
    const hangPort = await listen(hang);
    const goodPort = await listen(good);
    const gw = await startGateway({
      config: () =>
        testConfig({ upstream: { timeout_ms: 400 }, model_config: { qwen3: { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack', 'good'] } } }, [
          { name: 'production-stack', address: '127.0.0.1', port: hangPort, weight: 100 },
          { name: 'good', address: '127.0.0.1', port: goodPort, weight: 1 },
        ]),
    });
    try {
      const t0 = Date.now();
      const err = await new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 }).chat.completions.create(ask).catch((e) => e);
      expect(err.status).toBe(504);
      expect(err.error.code).toBe('upstream_timeout');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
      expect([accepted, served]).toEqual([1, 0]);
      expect(gw.metrics.render()).toMatch(/^llm_upstream_endpoint_errors_total\{endpoint="production-stack",reason="timeout"\} 1$/m);
      for (let i = 0; i < 50 && closed < 1; i++) await sleep(20);
      expect(closed).toBe(1);
    } finally {
      await gw.close();
      hang.close();
      good.closeAllConnections();
      good.close();
    }
  });
});
