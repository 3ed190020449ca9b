// Odd and slow peers on real sockets (HTTP-layer QA): an upstream whose JSON answer decodes past
// what fits in memory, a client that stalls its request body. A scripted node:http upstream, raw
// net sockets as the client where node:http would not misbehave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import zlib from 'node:zlib';
import { createApp } from '../../src/app.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch } from '../../runtimes/node/serve.ts';
import { MAX_ANSWER_BYTES } from '../../runtimes/node/upstream-client.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { EMPTY_CLASSIFIERS, captureLogger, postJson, rawRequest, testConfig } from './gateway-harness.ts';
import { ask, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';
import { until, untilSteady } from './helpers/until.ts';
import { startMockServer } from '../../runtimes/node/mock-server.ts';

let up: ScriptedUpstream;

beforeAll(async () => {
  up = await startScriptedUpstream({});
});
afterAll(async () => {
  await up?.close();
});

const completion = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });

describe('a non-streamed answer larger than the gateway reads', () => {
  it('a gzip answer that decodes to 600 MB: 502 upstream_response_too_large, and the gateway lives on', async () => {
    // Gzip members concatenated decode as one body: 600 x 1 MiB of spaces is ~600 KB on the wire.
    // Whole, it is past V8's longest string: the read's toString threw in a stream event and the
    // uncaught exception ended the process.
    const member = zlib.gzipSync(Buffer.alloc(1 << 20, 0x20));
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const write = (i: number): void => {
        if (res.destroyed) return;
        if (i === 600) return void res.end();
        if (res.write(member)) return write(i + 1);
        res.once('drain', () => write(i + 1));
      };
      write(0);
    };
    const r = await postJson(up.gw.url, '/v1/chat/completions', ask);
    expect(r.status).toBe(502);
    expect(r.json.error.code).toBe('upstream_response_too_large');
    expect(r.json.error.message).toContain(String(MAX_ANSWER_BYTES));
    // The upstream socket of the refused answer is closed, not left half read.
    expect(await up.openSockets(0)).toBe(0);

    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion);
    };
    const next = await postJson(up.gw.url, '/v1/chat/completions', ask);
    expect(next.status).toBe(200);
    expect(next.json.choices[0].message.content).toBe('ok');
  });
});

describe('a client that stalls its request', () => {
  it('a body that stops coming gets 408 and a closed socket once the request timeout passes', async () => {
    const config = testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1 }]);
    const logs = captureLogger();
    const deps = await buildNodeDeps(config, { classifiers: EMPTY_CLASSIFIERS, logger: logs, metrics: createMetrics({ config }), noCache: true });
    const served = await serveFetch(createApp(deps).fetch, { port: 0, requestTimeoutMs: 400 });
    try {
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const s = net.connect(served.port, '127.0.0.1', () =>
          s.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model"'),
        );
        let got = '';
        s.on('data', (d) => (got += d));
        s.on('error', () => {});
        s.on('close', () => resolve(got));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The handler saw its body read end and let go of the request, and logged it (after the socket
      // closed: polled, not a 50 ms sleep).
      await until(() => served.active() === 0 && logs.lines.some((l) => l.msg === 'request timed out'), 5_000).catch(() => {});
      expect(served.active()).toBe(0);
      // A body too slow, not a server fault, nor a client that left (d7568dc: it was logged 499).
      expect(logs.lines.filter((l) => l.msg === 'unhandled error')).toEqual([]);
      expect(logs.lines.filter((l) => l.msg === 'request cancelled')).toEqual([]);
      expect(logs.lines.find((l) => l.msg === 'request timed out')?.obj).toMatchObject({ status: 408, error: 'request_timeout' });
    } finally {
      await served.close();
      await deps.close();
    }
  });
});

describe('the request timeout ends with the request', () => {
  it('an SSE answer that runs well past it is not cut (the timeout counts the request, not the answer)', async () => {
    const mock = await startMockServer();
    const config = testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
    const deps = await buildNodeDeps(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics: createMetrics({ config }), noCache: true });
    const served = await serveFetch(createApp(deps).fetch, { port: 0, requestTimeoutMs: 300 });
    try {
      const started = Date.now();
      const res = await fetch(`${served.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-chunk-delay-ms': '250' },
        body: JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'Tell me a long story' }] }),
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      // Several request timeouts (and Node's checks, every 75 ms here) passed while it streamed.
      expect(Date.now() - started).toBeGreaterThan(1_000);
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    } finally {
      await served.close();
      await deps.close();
      await mock.close();
    }
  });
});

describe('a transfer coding the gateway does not undo', () => {
  // Node's server removes `chunked` and hands the rest (`gzip` under it) over as it came.
  for (const path of ['/v1/chat/completions', '/api/v1/classify/intent']) {
    it(`${path}: gzip, chunked gets 501 naming the coding, not a JSON parse error about binary`, async () => {
      const body = zlib.gzipSync(JSON.stringify({ ...ask, text: 'hi' }));
      const res = await rawRequest(`${up.gw.url}${path}`, {
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'gzip, chunked' },
        chunks: [body],
      });
      expect(res.status).toBe(501);
      expect(JSON.parse(res.body).error).toMatchObject({ code: 'unsupported_transfer_encoding' });
      expect(JSON.parse(res.body).error.message).toContain("'gzip'");
    });
  }

  it('plain chunked is read as before', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion);
    };
    const json = JSON.stringify(ask);
    const res = await rawRequest(`${up.gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [json.slice(0, 10), json.slice(10)],
    });
    expect(res.status).toBe(200);
  });
});

describe('an upstream answer that breaks HTTP framing', () => {
  // The endpoint took the request and answered: not a connection failure (no endpoint marked down, no
  // POST sent again to the next one), and the client is not told that no endpoint accepted it.
  const ok = (head: string) => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${head}\r\n\r\n${completion}`;
  for (const [name, raw, reason] of [
    ['two different Content-Length values', ok(`Content-Length: ${completion.length}\r\nContent-Length: 3`), 'content-length'],
    ['Content-Length with Transfer-Encoding', ok('Content-Length: 5\r\nTransfer-Encoding: chunked'), 'content-length'],
    ['a 70 KB header (past undici\'s 16 KB)', ok(`X-Big: ${'a'.repeat(70_000)}\r\nContent-Length: ${completion.length}`), 'Headers Overflow'],
    ['a status line that is not HTTP', `HTTP/1.1 abc\r\nContent-Length: ${completion.length}\r\n\r\n${completion}`, 'Invalid status code'],
    // undici destroys the socket with a SocketError (its code also names a dropped connection).
    ['101 Switching Protocols to a POST that asked for no upgrade', 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n', 'bad upgrade'],
    ['a 100 Continue the request did not ask for', `HTTP/1.1 100 Continue\r\n\r\n${ok(`Content-Length: ${completion.length}`)}`, 'bad response'],
    // Taken by undici, refused at the head by upstream-client.ts refusedHead (the Worker answers the same).
    ['a status past 599', `HTTP/1.1 999 Weird\r\nContent-Type: application/json\r\nContent-Length: ${completion.length}\r\n\r\n${completion}`, 'HTTP 999, past 599'],
    ['a transfer coding before chunked', ok('Transfer-Encoding: gzip, chunked'), 'Transfer-Encoding: gzip, chunked'],
  ] as const) {
    it(`${name}: 502 upstream_error, logged with undici's reason, not 'upstream connect failed'`, async () => {
      up.handler = (_req, res) => {
        res.socket!.end(raw);
      };
      const before = up.gw.logs.lines.length;
      const r = await postJson(up.gw.url, '/v1/chat/completions', ask);
      expect(r.status).toBe(502);
      expect(r.json.error.code).toBe('upstream_error');
      const lines = up.gw.logs.lines.slice(before);
      expect(lines.filter((l) => l.msg === 'upstream connect failed; trying next endpoint')).toEqual([]);
      expect(String(lines.find((l) => l.msg === 'upstream request failed')?.obj.err)).toContain(reason);
    });
  }
  // Passed through, a 999 went to the client as such and 'gzip, chunked' as a 200 that was then cut.
  for (const [name, raw] of [
    ['a status past 599', `HTTP/1.1 999 Weird\r\nContent-Type: application/json\r\nContent-Length: ${completion.length}\r\n\r\n${completion}`],
    ['a transfer coding before chunked', ok('Transfer-Encoding: gzip, chunked')],
  ] as const) {
    it(`${name}, passed through (/v1/completions): 502 upstream_error from the head`, async () => {
      up.handler = (_req, res) => {
        res.socket!.end(raw);
      };
      const r = await postJson(up.gw.url, '/v1/completions', { model: 'qwen3', prompt: 'hi' });
      expect([r.status, r.json?.error?.code]).toEqual([502, 'upstream_error']);
    });
  }
});

describe('a client that stops reading a fast endless stream', () => {
  it('the gateway stops reading the upstream too (backpressure), and lets go of it when the client leaves', async () => {
    const event = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content: 'word '.repeat(40) }, finish_reason: null }] })}\n\n`;
    let written = 0;
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        while (!res.destroyed) {
          written += event.length;
          if (!res.write(event)) return void res.once('drain', pump);
        }
      };
      pump();
    };
    const body = JSON.stringify({ ...ask, stream: true });
    const s = net.connect(up.gw.served.port, '127.0.0.1', () =>
      s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    );
    s.on('error', () => {});
    try {
      await new Promise((r) => s.once('data', r));
      s.pause();
      // Socket buffers on both sides fill up (a few MB on loopback), then the upstream waits on drain;
      // on a loaded box the bytes move in bursts: settled is no write for 3 s of on-time ticks (untilSteady).
      const settled = await untilSteady(() => written);
      await new Promise((r) => setTimeout(r, 1000));
      expect(written - settled).toBeLessThan(1 << 20);
      expect(settled).toBeLessThan(64 << 20);
    } finally {
      s.destroy(); // also after a failed check: a paused client would hold an upstream socket open
    }
    expect(await up.openSockets(0, 10_000)).toBe(0);
  });
});

describe('a client that never reads its answer again', () => {
  it('past the write-stall limit the answer is cut, which closes the upstream request too', async () => {
    const event = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content: 'word '.repeat(40) }, finish_reason: null }] })}\n\n`;
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        while (!res.destroyed) if (!res.write(event)) return void res.once('drain', pump);
      };
      pump();
    };
    const config = up.gw.config;
    const deps = await buildNodeDeps(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics: createMetrics({ config }), noCache: true });
    const served = await serveFetch(createApp(deps).fetch, { port: 0, writeStallMs: 500 });
    try {
      const body = JSON.stringify({ ...ask, stream: true });
      const s = net.connect(served.port, '127.0.0.1', () =>
        s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
      );
      s.on('error', () => {});
      await new Promise((r) => s.once('data', r));
      s.pause();
      // A paused socket sees no close; the gateway's side tells: the answer is over, the upstream gone.
      // (Socket buffers fill in well under a second on loopback, then the 500 ms run; a loaded 2-core
      // box took over 4 s, so the bound is 15 s. The request ends as its upstream closes, not
      // necessarily before the count is read: polled too.)
      expect(await up.openSockets(0, 15_000)).toBe(0);
      await until(() => served.active() === 0, 5_000).catch(() => {});
      expect(served.active()).toBe(0);
      s.destroy();
    } finally {
      await served.close();
      await deps.close();
    }
  });
});

describe('Expect: 100-continue', () => {
  const head = (len: number, extra = '') =>
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${len}\r\n${extra}\r\n`;
  const exchange = (write: (s: net.Socket, got: () => string) => void) =>
    new Promise<string>((resolve) => {
      let got = '';
      const s = net.connect(up.gw.served.port, '127.0.0.1', () => write(s, () => got));
      s.on('data', (d) => (got += d));
      s.on('error', () => {});
      s.on('close', () => resolve(got));
      setTimeout(() => s.destroy(), 3_000);
    });

  it('a body over max_body_bytes is refused from its head: 413 without a 100 Continue first (the client never uploads it)', async () => {
    const got = await exchange((s) => s.write(head(up.gw.config.server.max_body_bytes + 1)));
    expect(got).toMatch(/^HTTP\/1\.1 413 /);
    expect(got).not.toContain('100 Continue');
  });

  it('a body the gateway reads gets its 100 Continue, then the answer', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion);
    };
    const body = JSON.stringify(ask);
    const got = await exchange((s, seen) => {
      s.write(head(body.length, 'Connection: close\r\n'));
      const send = setInterval(() => {
        if (!seen().includes('100 Continue')) return;
        clearInterval(send);
        s.write(body);
      }, 10);
    });
    expect(got).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(got).toContain('"content":"ok"');
  });
});
