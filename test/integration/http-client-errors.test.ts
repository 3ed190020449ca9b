// Requests Node's HTTP parser refuses itself (bad header bytes, request-smuggling shapes, a TLS hello on
// the plain port, an oversized head, a head or body that does not come in time), sent over raw sockets
// to a real semroute process (runtimes/node/main.ts). node:http answered them with a bare status line
// and closed, and the gateway neither counted nor logged them: an operator under attack, or with a
// broken client, saw nothing. The answer stays Node's (status line, Connection: close) with an
// OpenAI-shaped body; each is counted in semroute_http_client_errors_total{code,reason}; a warning line
// with counts goes out at most once a minute, never with the request's bytes. A client that leaves
// (reset, or a close in the middle of its request) is no error of the request and is not counted.
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProcessBehindUpstream, type GatewayProcess } from './helpers/gateway-process.ts';
import { until } from './helpers/until.ts';

let gw: GatewayProcess;
useProcessBehindUpstream('semroute-clienterr-', (req, res) => req.resume().on('end', () => res.end('{}')), 'server: { request_timeout_ms: 1500, headers_timeout_ms: 800 }\n', (g) => (gw = g));

/** Writes `data` on a new socket (then resets or half-closes it if asked); all that came back once the gateway closed it. */
function exchange(data: string | Buffer, opts: { resetAfterMs?: number; end?: boolean } = {}): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const s = net.connect(gw.port, '127.0.0.1', () => {
      s.write(data);
      if (opts.end) s.end();
      if (opts.resetAfterMs !== undefined) setTimeout(() => s.resetAndDestroy(), opts.resetAfterMs);
    });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, 6_000);
    s.setEncoding('latin1').on('data', (c: string) => (text += c));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

async function counts(): Promise<Map<string, number>> {
  const text = await (await fetch(`${gw.base}/metrics`)).text();
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const hit = /^semroute_http_client_errors_total\{code="([^"]*)",reason="([^"]*)"\} (\d+)/.exec(line);
    if (hit) m.set(`${hit[1]} ${hit[2]}`, Number(hit[3]));
  }
  return m;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

const warnLines = () =>
  gw
    .out()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((l) => l.level === 'warn' && l.client_errors);

// An e-mail address in each malformed request: it must reach no log line.
const PII = 'jane.doe@example.com';
const CHAT = 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n';

const cases: Array<{ name: string; data: string | Buffer; status: string; code: number; reason: string; bodyCode?: string }> = [
  { name: 'a space in a header name', data: `${CHAT}X-User Id: ${PII}\r\nContent-Length: 2\r\n\r\n{}`, status: '400 Bad Request', code: 400, reason: 'invalid_header_token' },
  { name: 'a control byte in a header value', data: `${CHAT}X-User: ${PII}\x01\r\nContent-Length: 2\r\n\r\n{}`, status: '400 Bad Request', code: 400, reason: 'invalid_header_token' },
  { name: 'a NUL byte in a header value', data: `${CHAT}X-User: ${PII}\x00x\r\nContent-Length: 2\r\n\r\n{}`, status: '400 Bad Request', code: 400, reason: 'invalid_header_token' },
  { name: 'an obs-fold header line (a continuation starting with a space)', data: `${CHAT}X-User: a\r\n ${PII}\r\nContent-Length: 2\r\n\r\n{}`, status: '400 Bad Request', code: 400, reason: 'invalid_header_token' },
  { name: 'Content-Length with Transfer-Encoding (smuggling)', data: `${CHAT}X-User: ${PII}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: '400 Bad Request', code: 400, reason: 'invalid_transfer_encoding' },
  { name: 'two Content-Lengths (smuggling)', data: `${CHAT}X-User: ${PII}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, status: '400 Bad Request', code: 400, reason: 'unexpected_content_length' },
  { name: 'a TLS hello on the plain port', data: Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), status: '400 Bad Request', code: 400, reason: 'invalid_method' },
  { name: 'a 20 KB head', data: `${CHAT}X-User: ${PII}\r\nX-Pad: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\n{}`, status: '431 Request Header Fields Too Large', code: 431, reason: 'header_overflow' },
  // Answered by node:http outside its parser (a bare 400 / 417 with an empty chunked body, CONNECT
  // dropped without a word), and the gateway's own head checks (http-head-guard.ts): the same shape and count.
  { name: 'HTTP/1.1 without Host', data: `POST /v1/chat/completions HTTP/1.1\r\nX-User: ${PII}\r\nContent-Length: 2\r\n\r\n{}`, status: '400 Bad Request', code: 400, reason: 'missing_host', bodyCode: 'invalid_host' },
  { name: 'two Host fields', data: `${CHAT}Host: other\r\nX-User: ${PII}\r\nContent-Length: 2\r\n\r\n{}`, status: '400 Bad Request', code: 400, reason: 'duplicate_host', bodyCode: 'invalid_host' },
  { name: 'more than 1000 header fields', data: `${CHAT}${'X-F: v\r\n'.repeat(1000)}X-User: ${PII}\r\nContent-Length: 2\r\n\r\n{}`, status: '431 Request Header Fields Too Large', code: 431, reason: 'too_many_header_fields', bodyCode: 'request_header_fields_too_large' },
  { name: 'an Expect the server does not know', data: `${CHAT}Expect: x-${PII}\r\nContent-Length: 2\r\n\r\n{}`, status: '417 Expectation Failed', code: 417, reason: 'expectation_failed' },
  { name: 'CONNECT (a proxy probe)', data: `CONNECT ${PII.replace('@', '.')}:443 HTTP/1.1\r\nHost: ${PII.replace('@', '.')}:443\r\n\r\n`, status: '405 Method Not Allowed', code: 405, reason: 'connect' },
  // Targets and Hosts @hono/node-server cannot make a URL of (it answered a bare 400, empty chunked body).
  { name: 'OPTIONS *', data: `OPTIONS * HTTP/1.1\r\nHost: gw\r\nX-User: ${PII}\r\n\r\n`, status: '400 Bad Request', code: 400, reason: 'invalid_request_target' },
  { name: 'an absolute URL with port 99999', data: `GET http://gw:99999/health HTTP/1.1\r\nHost: gw\r\nX-User: ${PII}\r\n\r\n`, status: '400 Bad Request', code: 400, reason: 'invalid_request_target' },
  { name: 'a backslash in the path', data: `GET /v1\\models HTTP/1.1\r\nHost: gw\r\nX-User: ${PII}\r\n\r\n`, status: '400 Bad Request', code: 400, reason: 'invalid_request_target' },
  { name: 'a Host that is no host', data: `GET /health HTTP/1.1\r\nHost: gw/x?${PII}\r\n\r\n`, status: '400 Bad Request', code: 400, reason: 'invalid_host', bodyCode: 'invalid_host' },
  { name: 'a head that stops coming', data: `${CHAT}X-User: ${PII}\r\n`, status: '408 Request Timeout', code: 408, reason: 'head_timeout' },
  { name: 'a body that stops coming', data: `${CHAT}Content-Length: 100\r\n\r\n{"user":"${PII}",`, status: '408 Request Timeout', code: 408, reason: 'request_timeout' },
];

/**
 * Writes `head` and `bodyBytes` of body, reading nothing until the last byte was taken (as Python's
 * http.client and requests do), then reads the answer.
 */
function writeAllThenRead(head: string, bodyBytes: number): Promise<{ writeError?: string; answer: string }> {
  return new Promise((resolve) => {
    const s = net.connect(gw.port, '127.0.0.1');
    let writeError: string | undefined;
    let answer = '';
    s.setEncoding('latin1');
    s.on('error', (e: NodeJS.ErrnoException) => (writeError ??= e.code ?? e.message));
    s.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.alloc(bodyBytes, 'x')]), (err) => {
      if (err) writeError ??= (err as NodeJS.ErrnoException).code ?? err.message;
      s.on('data', (c: string) => (answer += c));
      if (s.destroyed) return resolve({ writeError, answer });
      s.once('close', () => resolve({ writeError, answer }));
      setTimeout(() => s.destroy(), 3_000);
    });
  });
}

describe('requests node:http refuses itself', () => {
  for (const c of cases) {
    it(`${c.name}: Node's answer (${c.status}, Connection: close) with an OpenAI error body, counted as {code="${c.code}",reason="${c.reason}"}`, async () => {
      const before = await counts();
      const r = await exchange(c.data);
      expect(r.closed).toBe(true);
      expect(r.text.startsWith(`HTTP/1.1 ${c.status}\r\n`)).toBe(true);
      const [head, body] = [r.text.slice(0, r.text.indexOf('\r\n\r\n')), r.text.slice(r.text.indexOf('\r\n\r\n') + 4)];
      expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i);
      expect(head).toMatch(/\r\nContent-Type: application\/json(\r\n|$)/i);
      expect(Number(/\r\nContent-Length: (\d+)/i.exec(head)?.[1])).toBe(Buffer.byteLength(body));
      const err = JSON.parse(body).error;
      expect(err).toMatchObject({ type: 'invalid_request_error', param: null, code: c.bodyCode ?? c.reason });
      expect(typeof err.message).toBe('string');
      const after = await counts();
      const key = `${c.code} ${c.reason}`;
      expect(after.get(key) ?? 0).toBe((before.get(key) ?? 0) + 1);
      expect(total(after)).toBe(total(before) + 1);
    });
  }

  it('a client that resets mid-upload, or closes in the middle of its head or body, is not counted', async () => {
    const before = await counts();
    await exchange(`${CHAT}Content-Length: 4000\r\n\r\n{"model":"qwen3",`, { resetAfterMs: 150 });
    await exchange(`${CHAT}Content-Len`, { end: true });
    await exchange(`${CHAT}Content-Length: 4000\r\n\r\n{"model":"qwen3",`, { end: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(total(await counts())).toBe(total(before));
  });

  // Node destroyed the socket right after its answer: with the body still coming, the kernel reset the
  // connection and a client that writes its whole body before reading got a broken pipe, not the 4xx.
  // (The later bytes are read and dropped, as after a 413: none of them is taken for a request.)
  const BIG = 8 * 1024 * 1024;
  it('a bad header with an 8 MiB body, written whole before reading: the client reads the 400, no reset', async () => {
    const r = await writeAllThenRead(`${CHAT}X-User Id: u\r\nContent-Length: ${BIG}\r\n\r\n`, BIG);
    expect(r.writeError).toBeUndefined();
    expect(r.answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(r.answer.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
  });

  it('a 20 KB head with an 8 MiB body, written whole before reading: the client reads the 431, no reset', async () => {
    const r = await writeAllThenRead(`${CHAT}X-Pad: ${'a'.repeat(20_000)}\r\nContent-Length: ${BIG}\r\n\r\n`, BIG);
    expect(r.writeError).toBeUndefined();
    expect(r.answer).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('Content-Length with Transfer-Encoding and a body of requests: 400, and none of those requests is served', async () => {
    const smuggled = 'GET /health HTTP/1.1\r\nHost: gw\r\n\r\n'.repeat(2000);
    const r = await writeAllThenRead(`${CHAT}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`, 0);
    expect(r.writeError).toBeUndefined();
    expect(r.answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(r.answer.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
  });

  // node:http wrote its 400 in place of the answer of the request being served (its head not sent yet),
  // so the client took the 400 for the request that was fine, and that request (a chat request: a
  // generation upstream) had run for nothing.
  it('a good request with a bad one pipelined behind it: the good one gets its own answer, then the connection closes', async () => {
    const before = await counts();
    const r = await exchange('GET /health HTTP/1.1\r\nHost: gw\r\n\r\nGET /ready HTTP/1.1\r\nHost: gw\r\nX-User Id: u\r\n\r\n');
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.text).toContain('"status":"healthy"');
    expect(r.text.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
    const after = await counts();
    expect(after.get('none invalid_header_token') ?? 0).toBe((before.get('none invalid_header_token') ?? 0) + 1);
  });

  // The bytes past the body are read as the next request and refused; the request before them is
  // answered first (and not run twice), and nothing waits for a timeout.
  it('a body longer than its Content-Length: the request answered, the extra bytes refused as the next request, then the connection closes', async () => {
    const before = await counts();
    const r = await exchange(`POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}${PII} trailing bytes\r\n\r\n`);
    expect(r.closed).toBe(true);
    expect(r.text.match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 400 ']);
    expect(r.text).toContain('"code":"missing_required_parameter"');
    const after = await counts();
    expect(after.get('none invalid_method') ?? 0).toBe((before.get('none invalid_method') ?? 0) + 1);
  });

  it('the gateway still serves on a new socket', async () => {
    const r = await exchange('GET /health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('logged: one warning line with counts for the burst (at most one a minute), no request bytes in any line', async () => {
    await until(() => warnLines().length > 0, 3_000);
    const lines = warnLines();
    expect(lines).toHaveLength(1);
    // The first error is reported at once; the others of the minute wait for the next line.
    expect(lines[0]!.client_errors).toEqual({ '400 invalid_header_token': 1 });
    expect(gw.out()).not.toContain(PII);
    expect(gw.out()).not.toContain('X-User');
  });
});
