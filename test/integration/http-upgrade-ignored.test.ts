// Requests that ask for a protocol upgrade (Upgrade: h2c, which `curl --http2` sends on http://, or
// websocket), sent over raw sockets and by curl to a real semroute process. The gateway serves neither
// protocol and takes them as plain HTTP/1.1. Node 20's parser still flagged them as upgrades and then
// dropped its own errors and the bytes after the message: a malformed chunked body was answered 408
// only at request_timeout_ms (20 s here), and a request pipelined behind one was never answered.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProcessBehindUpstream, type GatewayProcess } from './helpers/gateway-process.ts';

const got: Array<{ method: string; url: string; body: string; upgrade?: string; note?: string }> = [];
let gw: GatewayProcess;
useProcessBehindUpstream(
  'semroute-upgrade-',
  (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      got.push({ method: req.method!, url: req.url!, body, upgrade: req.headers.upgrade, note: req.headers['x-note'] as string | undefined });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }));
    });
  },
  'server: { request_timeout_ms: 20000, headers_timeout_ms: 15000 }\n',
  (g) => (gw = g),
);

/** Well under request_timeout_ms (20 s): an answer that waited for the timeout cannot pass. */
const PROMPT_MS = 5_000;
const CHAT = '{"model":"qwen3","messages":[{"role":"user","content":"hello there"}]}';
const H2C = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n';
const WS = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
const post = (upgrade: string, framing: string) => `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n${upgrade}${framing}\r\n`;

/** Writes `data`, reads until the gateway closes or PROMPT_MS pass (then closes itself). */
function exchange(data: string | Buffer): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const s = net.connect(gw.port, '127.0.0.1', () => s.write(data));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, PROMPT_MS);
    s.setEncoding('latin1').on('data', (c: string) => (text += c));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

const statuses = (text: string) => (text.match(/HTTP\/1\.1 \d{3} /g) ?? []).map((l) => Number(l.slice(9, 12)));
const chunked = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n0\r\n\r\n`;

describe('requests that ask for an upgrade are served as HTTP/1.1', () => {
  for (const [name, upgrade] of [
    ['h2c', H2C],
    ['websocket', WS],
  ] as const) {
    it(`Upgrade: ${name} with a malformed chunk size: 400 invalid_chunk_size at once (not 408 at request_timeout_ms), nothing sent upstream`, async () => {
      const before = got.length;
      const r = await exchange(`${post(upgrade, 'Transfer-Encoding: chunked\r\n')}zz\r\n${CHAT}\r\n0\r\n\r\n`);
      expect(r.closed).toBe(true);
      expect(statuses(r.text)).toEqual([400]);
      expect(JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_chunk_size' });
      expect(got.length).toBe(before);
    });
  }

  it('a GET with Upgrade: h2c and a request pipelined behind it: both answered', async () => {
    const r = await exchange(`GET /health HTTP/1.1\r\nHost: gw\r\n${H2C}\r\nGET /ready HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`);
    expect(r.closed).toBe(true);
    expect(statuses(r.text)).toEqual([200, 200]);
  });

  it('a chat POST with Upgrade: h2c (Content-Length, then chunked) and a request pipelined behind each: all answered, each sent upstream once, whole', async () => {
    const before = got.length;
    const r = await exchange(
      `${post(H2C, `Content-Length: ${Buffer.byteLength(CHAT)}\r\n`)}${CHAT}` +
        `${post(WS, 'Transfer-Encoding: chunked\r\n')}${chunked(CHAT)}` +
        'GET /health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n',
    );
    expect(r.closed).toBe(true);
    expect(statuses(r.text)).toEqual([200, 200, 200]);
    const sent = got.slice(before);
    expect(sent).toHaveLength(2);
    for (const s of sent) expect(JSON.parse(s.body).messages[0].content).toBe('hello there');
  });

  it('a body longer than its Content-Length behind Upgrade: h2c: the request answered, the extra bytes refused as the next request', async () => {
    const r = await exchange(`${post(H2C, `Content-Length: ${Buffer.byteLength(CHAT)}\r\n`)}${CHAT}garbage\r\n\r\n`);
    expect(r.closed).toBe(true);
    expect(statuses(r.text)).toEqual([200]);
  });

  // Read again by a fresh parser, the head's Expect is still seen: the 100 comes before the body is sent.
  it('Expect: 100-continue with Upgrade: h2c: 100 Continue, then the body, then 200', async () => {
    const text = await new Promise<string>((resolve) => {
      let got = '';
      const s = net.connect(gw.port, '127.0.0.1', () => s.write(post(H2C, `Expect: 100-continue\r\nContent-Length: ${Buffer.byteLength(CHAT)}\r\nConnection: close\r\n`)));
      s.setEncoding('latin1').on('data', (c: string) => {
        const had = got.includes('100 Continue');
        got += c;
        if (!had && got.includes('100 Continue')) s.write(CHAT);
      });
      s.on('error', () => {});
      s.on('close', () => resolve(got));
      setTimeout(() => s.destroy(), PROMPT_MS);
    });
    expect(statuses(text)).toEqual([100, 200]);
  });

  // The head is written again from node:http's strings: a header's bytes (UTF-8 here) must come out the same.
  it('a header of non-ASCII bytes on a request with Upgrade: h2c reaches the upstream byte for byte', async () => {
    const before = got.length;
    const note = Buffer.from('café ☕ 数学', 'utf8');
    const head = Buffer.from(post(H2C, `Content-Length: ${Buffer.byteLength(CHAT)}\r\nConnection: close\r\n`).replace('\r\n\r\n', '\r\nX-Note: '), 'latin1');
    const r = await exchange(Buffer.concat([head, note, Buffer.from(`\r\n\r\n${CHAT}`)]));
    expect(statuses(r.text)).toEqual([200]);
    expect(got.slice(before).map((g) => Buffer.from(g.note ?? '', 'latin1').equals(note))).toEqual([true]);
  });

  // 1001 fields, the Upgrade among them: a head read again without it has 1000, which would pass.
  it('1001 header fields with Upgrade: h2c among them: 431, as without it', async () => {
    const r = await exchange(`GET /health HTTP/1.1\r\nHost: gw\r\n${H2C}${'X-F: v\r\n'.repeat(997)}\r\n`);
    expect(r.closed).toBe(true);
    expect(statuses(r.text)).toEqual([431]);
    expect(r.text).toContain('"code":"request_header_fields_too_large"');
  });

  it('curl --http2 on http:// (Upgrade: h2c) with a chunked chat body: 200, the body upstream whole, no Upgrade forwarded', async () => {
    const before = got.length;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'curl',
        ['-sS', '--http2', '-w', '\n%{http_code} %{http_version}', '-H', 'Content-Type: application/json', '-H', 'Transfer-Encoding: chunked', '--data-binary', CHAT, `${gw.base}/v1/chat/completions`],
        { timeout: PROMPT_MS },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    expect(out.trim().split('\n').pop()).toBe('200 1.1');
    expect(JSON.parse(out.slice(0, out.lastIndexOf('\n'))).choices[0].message.content).toBe('hi');
    expect(got.slice(before).map((g) => [JSON.parse(g.body).messages[0].content, g.upgrade])).toEqual([['hello there', undefined]]);
  });
});
