// README "On the wire (Node)", claim by claim, over raw sockets against a real gateway in front of the
// bundled mock (which records what reached it): HTTP/2 prior knowledge gets 400, an `Upgrade: h2c` is
// answered in HTTP/1.1, pipelined requests are answered in order, a client that half-closes after its
// request is taken as gone (the upstream request is cancelled), X-Forwarded-For / Forwarded go upstream as
// sent (none added), Accept-Encoding is not forwarded and answers are not compressed, headers named in
// Connection are dropped, and Host upstream is the endpoint's.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const port = () => Number(new URL(gw.url).port);
const chat = (extra = '', body = '{"model":"qwen3","messages":[{"role":"user","content":"hi"}]}') =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** Writes `bytes`, collects what comes back until the socket closes or `ms` pass. */
// ms: a deadline only (the exchanges end when the gateway closes, or when `whole` says the answer
// is in): 1.5 s, 800 ms or 3 s as the wait itself cut answers short on a loaded box.
function exchange(bytes: string, ms = 10_000, after?: (s: Socket) => void, whole?: (got: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = connect(port(), '127.0.0.1', () => {
      s.write(bytes);
      after?.(s);
    });
    s.setEncoding('latin1').on('data', (c: string) => {
      got += c;
      if (whole?.(got)) s.destroy();
    });
    const done = () => resolve(got);
    s.on('close', done).on('error', done);
    setTimeout(() => s.destroy(), ms);
  });
}

const lastRecord = () => gw.mock.mock.requests.at(-1)!;

describe('README "On the wire (Node)"', () => {
  it('HTTP/2 prior knowledge gets 400; an Upgrade: h2c is ignored and answered in HTTP/1.1', async () => {
    expect(await exchange('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    const upgraded = await exchange('GET /health HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n', 10_000, undefined, (got) => /\r\n\r\n\{.*\}$/s.test(got));
    expect(upgraded).toMatch(/^HTTP\/1\.1 200 /);
    expect(upgraded).not.toMatch(/ 101 /);
  });

  it('pipelined requests are answered in order', async () => {
    const out = await exchange('GET /health HTTP/1.1\r\nHost: gw\r\n\r\n' + chat() + 'GET /v1/models HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n', 20_000);
    // Answers follow each other with no separator: a body ends where the next status line starts.
    const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '200']);
    expect(out.indexOf('"healthy"')).toBeLessThan(out.indexOf('chat.completion'));
    expect(out.indexOf('chat.completion')).toBeLessThan(out.indexOf('"object":"list"'));
  });

  it('a client that half-closes after its request is taken as gone: its upstream request is cancelled', async () => {
    const before = gw.mock.mock.requests.length;
    // The test would keep its socket for 10 s; the mock would answer after 12 s. The gateway closes the
    // socket itself on the half-close and cancels the upstream request, long before either (the
    // margins were 0.5 s and 1 s: a loaded box's stall took them).
    const t0 = Date.now();
    await exchange(chat('x-mock-delay-ms: 12000\r\n'), 10_000, (s) => s.end());
    expect(Date.now() - t0).toBeLessThan(8_000);
    for (let i = 0; i < 50 && !lastRecord()?.cancelled; i++) await new Promise((r) => setTimeout(r, 20));
    expect(gw.mock.mock.requests.length).toBe(before + 1);
    expect(lastRecord().cancelled).toBe(true);
  });

  it('forwarding headers go upstream as sent, none added; Accept-Encoding is not forwarded and the answer is not compressed', async () => {
    const out = await exchange(chat('X-Forwarded-For: 203.0.113.7\r\nForwarded: for=203.0.113.7;proto=https\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n'));
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(out).not.toMatch(/^content-encoding:/im);
    const seen = lastRecord().headers;
    expect(seen['x-forwarded-for']).toBe('203.0.113.7');
    expect(seen.forwarded).toBe('for=203.0.113.7;proto=https');
    expect(seen['accept-encoding']).toBeUndefined();
    const plain = await exchange(chat('Connection: close\r\n'));
    expect(plain).toMatch(/^HTTP\/1\.1 200 /);
    expect(lastRecord().headers['x-forwarded-for']).toBeUndefined();
    expect(lastRecord().headers.forwarded).toBeUndefined();
  });

  it("headers named in Connection are dropped, and Host upstream is the endpoint's", async () => {
    const out = await exchange(chat('Connection: close, x-secret-hop\r\nx-secret-hop: 1\r\nx-kept: 2\r\n'));
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    const seen = lastRecord().headers;
    expect(seen['x-secret-hop']).toBeUndefined();
    expect(seen['x-kept']).toBe('2');
    expect(seen.host).toBe(`127.0.0.1:${gw.mock.port}`);
  });
});
