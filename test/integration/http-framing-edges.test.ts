// Request framing a gateway in front of GPUs must not read differently from a proxy before it (request
// smuggling), over raw sockets to a real gateway in front of a raw node:net upstream that records the
// bytes it gets. Each request is written with a GET pipelined behind it in the same write. A framing
// the gateway refuses gets its 4xx with Connection: close, nothing upstream, and the bytes behind it
// are never served; one it accepts reaches the upstream as one request framed by Content-Length, with
// no transfer coding, chunk extension, trailer or hop-by-hop header of the client's, and the GET behind
// it is answered. (Content-Length with Transfer-Encoding, two different Content-Lengths, a space in a
// header name, obs-fold, OPTIONS *, a 20 KB head and 1001 fields are in http-client-errors and
// http-header-count; hop-by-hop headers in gateway-openai and gateway-passthrough-bytes; HEAD in
// http-head-and-405.) An HTTP/1.0 request with Transfer-Encoding was served, and the request behind it
// on a kept-alive connection too: RFC 9112 6.1 says its framing is faulty (an HTTP/1.0 proxy in front
// reads no chunked body), so it gets 400 and the connection closes, as nginx does.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { connectionOf, rawAnswers, type RawAnswer } from './helpers/raw-answers.ts';
import { answer as chatAnswer } from './helpers/net-upstream-client.ts';

/** What reached the upstream, per connection, as latin1; every request there is answered one chat completion. */
const upstreamBytes: string[] = [];
const upstream = net.createServer((sock) => {
  const at = upstreamBytes.push('') - 1;
  let pending = '';
  sock.on('error', () => {});
  sock.on('data', (d: Buffer) => {
    upstreamBytes[at] += d.toString('latin1');
    pending += d.toString('latin1');
    for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
      if (pending.length < end + 4 + len) return;
      pending = pending.slice(end + 4 + len);
      sock.write(chatAnswer);
    }
  });
});

let gw: Gateway;
let upstreamPort = 0;
beforeAll(async () => {
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
  gw = await startGateway({ config: () => testConfig({ routing: { enabled: false } }, [{ name: 'production-stack', address: '127.0.0.1', port: upstreamPort, weight: 1 }]) });
});
afterAll(async () => {
  await gw?.close();
  await new Promise((r) => upstream.close(r));
});

const GET = 'GET /health HTTP/1.1\r\nHost: gw\r\n\r\n';

/** Writes `bytes` with a GET behind them; the answers once the server closed or `want` came (or 5 s). */
function send(bytes: string, want: number): Promise<{ answers: RawAnswer[]; closed: boolean; upstream: string[] }> {
  const before = upstreamBytes.map((b) => b.length);
  return new Promise((resolve) => {
    let text = '';
    const s = net.connect(gw.served.port, '127.0.0.1', () => s.write(Buffer.from(bytes + GET, 'latin1')));
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ answers: rawAnswers(text), closed, upstream: upstreamBytes.map((b, i) => b.slice(before[i] ?? 0)).filter(Boolean) });
    };
    const timer = setTimeout(() => done(false), 5_000);
    s.setEncoding('latin1');
    s.on('error', () => {});
    s.on('data', (c: string) => {
      text += c;
      if (rawAnswers(text).length >= want) done(false);
    });
    s.on('close', () => done(true));
  });
}

const CHAT = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] });
const COMPLETION = JSON.stringify({ model: 'qwen3', prompt: 'hi' });
const hex = (s: string) => Buffer.byteLength(s).toString(16);
const chunked = (body: string, ext = '') => `${hex(body)}${ext}\r\n${body}\r\n0\r\n\r\n`;
const post = (path: string, fields: string) => `POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n${fields}\r\n`;
const chat = (fields: string) => post('/v1/chat/completions', fields);
const TE = 'Transfer-Encoding: chunked\r\n';

describe('framings refused: 4xx, Connection: close, nothing upstream, the request behind never served', () => {
  const cases: Array<{ name: string; bytes: string; status: number; code: string }> = [
    { name: 'Transfer-Encoding: chunked, identity', bytes: chat('Transfer-Encoding: chunked, identity\r\n') + chunked(CHAT), status: 400, code: 'invalid_transfer_encoding' },
    { name: 'Transfer-Encoding: identity', bytes: chat('Transfer-Encoding: identity\r\n') + chunked(CHAT), status: 400, code: 'invalid_transfer_encoding' },
    { name: 'Transfer-Encoding: xchunked', bytes: chat('Transfer-Encoding: xchunked\r\n') + chunked(CHAT), status: 400, code: 'invalid_transfer_encoding' },
    { name: 'Transfer-Encoding: chunked, chunked (chunked twice)', bytes: chat('Transfer-Encoding: chunked, chunked\r\n') + chunked(chunked(CHAT)), status: 400, code: 'invalid_transfer_encoding' },
    { name: 'chunked in one Transfer-Encoding field, gzip in a second (chunked not last)', bytes: chat(`${TE}Transfer-Encoding: gzip\r\n`) + chunked(CHAT), status: 400, code: 'invalid_transfer_encoding' },
    { name: 'Transfer-Encoding before Content-Length', bytes: chat(`${TE}Content-Length: 5\r\n`) + chunked(CHAT), status: 400, code: 'invalid_content_length' },
    { name: 'the same Content-Length twice', bytes: chat(`Content-Length: ${CHAT.length}\r\nContent-Length: ${CHAT.length}\r\n`) + CHAT, status: 400, code: 'unexpected_content_length' },
    { name: 'Content-Length: n, n', bytes: chat(`Content-Length: ${CHAT.length}, ${CHAT.length}\r\n`) + CHAT, status: 400, code: 'invalid_content_length' },
    { name: 'a chunk size past 64 bits', bytes: chat(TE) + `ffffffffffffffffff1\r\n${CHAT}\r\n0\r\n\r\n`, status: 400, code: 'invalid_chunk_size' },
    { name: 'a chunk size written 0x..', bytes: chat(TE) + `0x${hex(CHAT)}\r\n${CHAT}\r\n0\r\n\r\n`, status: 400, code: 'invalid_chunk_size' },
    { name: 'a chunk extension ended by a bare LF', bytes: chat(TE) + `${hex(CHAT)};a\n${CHAT}\r\n0\r\n\r\n`, status: 400, code: 'cr_expected' },
    { name: 'chunk data ended by a bare LF', bytes: chat(TE) + `${hex(CHAT)}\r\n${CHAT}\n0\r\n\r\n`, status: 400, code: 'cr_expected' },
    { name: 'bare LF line ends', bytes: `POST /v1/chat/completions HTTP/1.1\nHost: gw\nContent-Type: application/json\nContent-Length: ${CHAT.length}\n\n${CHAT}`, status: 400, code: 'invalid_version' },
    { name: 'a head ended by a bare LF', bytes: chat(`Content-Length: ${CHAT.length}\r\n`).slice(0, -2) + `\n${CHAT}`, status: 400, code: 'invalid_header_token' },
    { name: 'a bare CR line end', bytes: `POST /v1/chat/completions HTTP/1.1\rHost: gw\r\nContent-Length: ${CHAT.length}\r\n\r\n${CHAT}`, status: 400, code: 'strict' },
    { name: 'Content-Length with a space before the colon', bytes: chat(`Content-Length : ${CHAT.length}\r\n`) + CHAT, status: 400, code: 'invalid_header_token' },
    { name: 'Transfer-Encoding with a space before the colon', bytes: chat(`Transfer-Encoding : chunked\r\nContent-Length: ${CHAT.length}\r\n`) + CHAT, status: 400, code: 'invalid_header_token' },
    { name: 'a 20 KB request line', bytes: `GET /health?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: gw\r\n\r\n`, status: 431, code: 'header_overflow' },
    { name: 'a 20 KB chunk extension', bytes: chat(TE) + chunked(CHAT, `;x=${'a'.repeat(20_000)}`), status: 413, code: 'chunk_extensions_overflow' },
    { name: 'HTTP/1.0 with Transfer-Encoding: chunked, kept alive', bytes: `POST /v1/chat/completions HTTP/1.0\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n${TE}\r\n${chunked(CHAT)}`, status: 400, code: 'invalid_transfer_encoding' },
    { name: 'HTTP/1.0 with Transfer-Encoding: chunked', bytes: `POST /v1/completions HTTP/1.0\r\nContent-Type: application/json\r\n${TE}\r\n${chunked(COMPLETION)}`, status: 400, code: 'invalid_transfer_encoding' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const r = await send(c.bytes, 2);
      expect(r.answers.map((a) => a.status)).toEqual([c.status]);
      expect(connectionOf(r.answers[0]!)).toBe('close');
      expect(JSON.parse(r.answers[0]!.body).error).toMatchObject({ type: 'invalid_request_error', code: c.code });
      expect(r.closed).toBe(true);
      expect(r.upstream).toEqual([]);
    });
  }
});

/** The one request the upstream got: its head's lines and its body; fails on anything after the body. */
function oneRequest(upstream: string[]): { line: string; fields: Record<string, string>; body: string } {
  expect(upstream).toHaveLength(1);
  const bytes = upstream[0]!;
  const end = bytes.indexOf('\r\n\r\n');
  const [line, ...rest] = bytes.slice(0, end).split('\r\n');
  const fields: Record<string, string> = {};
  for (const f of rest) {
    const name = f.slice(0, f.indexOf(':')).toLowerCase();
    expect(fields[name], `one ${name} field`).toBeUndefined();
    fields[name] = f.slice(f.indexOf(':') + 1).trim();
  }
  const body = bytes.slice(end + 4);
  expect(Number(fields['content-length'])).toBe(Buffer.byteLength(body, 'latin1'));
  return { line: line!, fields, body };
}

describe('framings accepted: one request upstream, framed by Content-Length, and the request behind answered', () => {
  const cases: Array<{ name: string; bytes: string; line: string; body?: string }> = [
    { name: 'a chunk extension (chat)', bytes: chat(TE) + chunked(CHAT, ';ext=1;q="a b"'), line: 'POST /v1/chat/completions HTTP/1.1' },
    { name: 'a chunk extension (passed through)', bytes: post('/v1/completions', TE) + chunked(COMPLETION, ';ext=1'), line: 'POST /v1/completions HTTP/1.1', body: COMPLETION },
    { name: 'one-byte chunks, each with an extension (passed through)', bytes: post('/v1/completions', TE) + [...COMPLETION].map((c) => `1;e=v\r\n${c}\r\n`).join('') + '0\r\n\r\n', line: 'POST /v1/completions HTTP/1.1', body: COMPLETION },
    { name: 'a trailer field (passed through; the trailer goes nowhere)', bytes: post('/v1/completions', TE) + `${hex(COMPLETION)}\r\n${COMPLETION}\r\n0\r\nX-Trailer: t\r\n\r\n`, line: 'POST /v1/completions HTTP/1.1', body: COMPLETION },
    { name: 'Transfer-Encoding: Chunked (any case)', bytes: chat('Transfer-Encoding: Chunked\r\n') + chunked(CHAT), line: 'POST /v1/chat/completions HTTP/1.1' },
    { name: 'Transfer-Encoding with a tab and a trailing space around chunked', bytes: chat('Transfer-Encoding:\tchunked \r\n') + chunked(CHAT), line: 'POST /v1/chat/completions HTTP/1.1' },
    { name: 'the text of a second request inside a chunked body (passed through as body bytes)', bytes: post('/v1/completions', TE) + chunked(`${COMPLETION}\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n`), line: 'POST /v1/completions HTTP/1.1', body: `${COMPLETION}\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n` },
    { name: 'an absolute-form target (chat): the upstream gets the path', bytes: `POST http://evil.example/v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${CHAT.length}\r\n\r\n${CHAT}`, line: 'POST /v1/chat/completions HTTP/1.1' },
    { name: 'an absolute-form target with a port and a query (passed through)', bytes: `POST http://evil.example:81/v1/completions?x=1 HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${COMPLETION.length}\r\n\r\n${COMPLETION}`, line: 'POST /v1/completions?x=1 HTTP/1.1', body: COMPLETION },
    { name: 'HTTP/1.0 with Connection: keep-alive and a Content-Length', bytes: `POST /v1/chat/completions HTTP/1.0\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${CHAT.length}\r\n\r\n${CHAT}`, line: 'POST /v1/chat/completions HTTP/1.1' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await send(c.bytes, 2);
      expect(r.answers.map((a) => a.status)).toEqual([200, 200]);
      expect(connectionOf(r.answers[0]!)).toBe('keep-alive');
      const up = oneRequest(r.upstream);
      expect(up.line).toBe(c.line);
      expect(up.fields.host).toBe(`127.0.0.1:${upstreamPort}`);
      expect(up.fields['transfer-encoding']).toBeUndefined();
      expect(up.fields.connection).toBe('keep-alive');
      expect(Object.keys(up.fields).filter((k) => ['te', 'trailer', 'x-trailer', 'keep-alive', 'upgrade'].includes(k))).toEqual([]);
      if (c.body !== undefined) expect(up.body).toBe(c.body);
      else expect(JSON.parse(up.body)).toMatchObject({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] });
    });
  }

  it('Content-Length: 0 with bytes behind it: those bytes are the next request, not a body', async () => {
    const r = await send(post('/v1/completions', 'Content-Length: 0\r\n') + 'GET /nope HTTP/1.1\r\nHost: gw\r\n\r\n', 3);
    expect(r.answers.map((a) => a.status)).toEqual([200, 404, 200]);
    expect(oneRequest(r.upstream)).toMatchObject({ line: 'POST /v1/completions HTTP/1.1', body: '' });
  });
});
