// Cancellation and connection reuse on the Node upstream client (undici), over real sockets: a client
// that leaves before the headers or mid-answer must end the upstream request (the upstream sees its
// socket close), and nothing may stay held. The gateway keeps ONE upstream connection here
// (keep_alive_connections: 1), so a single leaked or unconsumed connection stalls every later request.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { Gateway } from './gateway-harness.ts';
import { ask, chunk, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;
let gw: Gateway;

const completion = (content: string) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the upstream's side of the request's socket closed (the gateway dropped it), or false after `ms`. */
function upstreamClosed(req: http.IncomingMessage, ms = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    if (req.socket.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    req.socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/**
 * Sends a chat request over raw node:http; `leave()` destroys the client socket. With `onData`, the
 * client leaves by itself once the first body bytes arrived.
 */
function client(stream: boolean, onData = false): { leave(): void; closed: Promise<void> } {
  let req!: http.ClientRequest;
  const closed = new Promise<void>((resolve) => {
    req = http.request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      res.once('data', () => {
        if (onData) req.destroy();
      });
    });
    req.on('error', () => {});
    req.on('close', () => resolve());
    req.end(JSON.stringify({ ...ask, stream }));
  });
  return { leave: () => req.destroy(), closed };
}

const answerPlain = () => {
  up.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(completion('after'));
  };
};

/** One ordinary request, which must finish within `ms` (a pool stuck on a held connection would not). */
async function plainRequest(ms = 3000): Promise<{ status: number; body: string }> {
  const ctl = AbortSignal.timeout(ms);
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask), signal: ctl });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  up = await startScriptedUpstream({ timeout_ms: 5000, idle_timeout_ms: 10_000, keep_alive_connections: 1 });
  ({ gw } = up);
});
afterAll(async () => {
  await up?.close();
});

let requests: http.IncomingMessage[] = [];
beforeEach(() => {
  requests = [];
  up.handler = (req, res) => {
    requests.push(req);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(completion('plain'));
  };
});

const lastRequest = async () => {
  const deadline = Date.now() + 2000;
  while (requests.length === 0 && Date.now() < deadline) await sleep(5);
  return requests[requests.length - 1];
};

/** The upstream sees its socket close well before upstream.timeout_ms (5 s) would close it. */
async function expectUpstreamClosedSoon(req: Parameters<typeof upstreamClosed>[0]): Promise<void> {
  const t0 = Date.now();
  expect(await upstreamClosed(req)).toBe(true);
  expect(Date.now() - t0).toBeLessThan(1000);
}

/** After the cancels, the same (single-connection) pool still answers a plain request. */
async function expectPoolServes(): Promise<Awaited<ReturnType<typeof plainRequest>>> {
  answerPlain();
  const r = await plainRequest();
  expect(r.status).toBe(200);
  return r;
}

describe('a client that leaves', () => {
  it('before the headers: the upstream request is aborted, five times in a row, and the pool still serves', async () => {
    for (let i = 0; i < 5; i++) {
      up.handler = (req) => void requests.push(req); // never answers
      const c = client(false);
      // Leave once the upstream has the request.
      const req = await lastRequest();
      c.leave();
      await c.closed;
      await expectUpstreamClosedSoon(req);
      requests = [];
    }
    const r = await expectPoolServes();
    expect(JSON.parse(r.body).choices[0].message.content).toBe('after');
  });

  it('while its body is still being sent: logged as a cancelled request (info, 499), not an unhandled server error', async () => {
    const lines = () => gw.logs.lines.length;
    const from = lines();
    const sock = net.connect(Number(new URL(gw.url).port), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":');
    await sleep(50);
    sock.destroy();
    const deadline = Date.now() + 2000;
    while (lines() === from && Date.now() < deadline) await sleep(10);
    await sleep(50);
    const added = gw.logs.lines.slice(from);
    expect(added.filter((l) => l.msg === 'unhandled error')).toEqual([]);
    expect(added.filter((l) => l.msg === 'request cancelled')).toMatchObject([{ level: 'info', obj: { status: 499, error: 'client_closed_request' } }]);
    expect(requests).toHaveLength(0);
  });

  for (const stream of [true, false]) {
    it(`mid-${stream ? 'SSE' : 'JSON'} answer: the upstream socket closes, five times in a row, each logged and counted as a cancellation, and the pool still serves`, async () => {
      const cancelled = () => gw.logs.lines.filter((l) => l.msg === 'request' && l.obj.error_reason === 'cancellation').length;
      const counted = () => gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' }) ?? 0;
      const [logged0, counted0] = [cancelled(), counted()];
      for (let i = 0; i < 5; i++) {
        up.handler = (req, res) => {
          requests.push(req);
          res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
          // One chunk, then the upstream keeps generating (never ends on its own).
          res.write(stream ? chunk('a') : '{"id":"c1",');
        };
        const c = client(stream, stream);
        const req = await lastRequest();
        // A JSON answer reaches the client only whole: leave while the gateway reads it.
        if (!stream) {
          await sleep(50);
          c.leave();
        }
        await c.closed;
        await expectUpstreamClosedSoon(req);
        requests = [];
      }
      expect(cancelled()).toBe(logged0 + 5);
      expect(counted()).toBe(counted0 + 5);
      await expectPoolServes();
    });
  }
});

describe('nothing held after cancelled requests', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('30 cancelled requests (before the headers, mid-SSE, mid-JSON) leave no timer running and at most one upstream socket', async () => {
    answerPlain();
    await plainRequest();
    await sleep(50);
    const before = timers();
    for (let i = 0; i < 30; i++) {
      const kind = i % 3;
      up.handler = (req, res) => {
        requests.push(req);
        if (kind === 0) return; // never answers
        res.writeHead(200, { 'content-type': kind === 1 ? 'text/event-stream' : 'application/json' });
        res.write(kind === 1 ? chunk('a') : '{"id":"c1",');
      };
      const c = client(kind === 1, kind === 1);
      const req = await lastRequest();
      if (kind !== 1) {
        await sleep(20);
        c.leave();
      }
      await c.closed;
      expect(await upstreamClosed(req)).toBe(true);
      requests = [];
    }
    answerPlain();
    expect((await plainRequest()).status).toBe(200);
    await sleep(50);
    // The timeout_ms and idle_timeout_ms timers of all 30 are gone (each would hold 5-10 s).
    expect(timers()).toBeLessThanOrEqual(before);
    expect(await up.openSockets(1)).toBeLessThanOrEqual(1);
  });
});

describe('answers the gateway replaces or passes without reading a body', () => {
  it('an upstream error answer with a large body is consumed: the single connection serves the next requests', async () => {
    up.handler = (req, res) => {
      requests.push(req);
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html>' + 'x'.repeat(256 * 1024) + '</html>');
    };
    for (let i = 0; i < 3; i++) {
      const r = await plainRequest();
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).error).toMatchObject({ message: expect.any(String) });
    }
  });

  for (const status of [204, 205]) {
    it(`an upstream ${status} (no body) reaches the client as ${status}, not a 500, and the connection is reused`, async () => {
      up.handler = (req, res) => {
        requests.push(req);
        res.writeHead(status);
        res.end();
      };
      const r = await plainRequest();
      expect(r.status).toBe(status);
      expect(r.body).toBe('');
      answerPlain();
      expect((await plainRequest()).status).toBe(200);
    });
  }
});
