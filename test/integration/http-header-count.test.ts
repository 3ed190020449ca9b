// Request heads with more header fields than the gateway keeps, and with two Host fields, sent over a
// raw socket to a real semroute process (runtimes/node/main.ts) in front of an upstream that records
// the headers it gets. Node keeps the first 1000 fields of a head (maxHeadersCount's default counts
// 2000 names and values) and silently dropped the rest: a Content-Type, Content-Encoding, session
// header or Authorization after them never reached the gateway or the model. Envoy (the reference's
// front) answers 431 past its header count; so does the gateway now.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProcessBehindUpstream, type GatewayProcess } from './helpers/gateway-process.ts';

const seen: Array<Record<string, string | string[] | undefined>> = [];
let gw: GatewayProcess;
useProcessBehindUpstream('semroute-hdrcount-', (req, res) => {
  seen.push(req.headers);
  req.resume().on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
  });
}, '', (g) => (gw = g));

const BODY = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] });

/** One request on its own socket; the whole answer once the gateway closes it (or 5 s pass). */
function send(head: string): Promise<{ status: number; text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const s = net.connect(gw.port, '127.0.0.1', () => s.write(head + BODY));
    const done = (closed: boolean) => resolve({ status: Number(text.split(' ')[1]), text, closed });
    const timer = setTimeout(() => {
      s.destroy();
      done(false);
    }, 5_000);
    s.setEncoding('latin1').on('data', (c: string) => (text += c));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

/** A chat request head with `filler` extra fields before `last` (which ends with CRLF). */
const head = (filler: number, last: string) => {
  let fields = '';
  for (let i = 0; i < filler; i++) fields += `x-f${i}: v\r\n`;
  return `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n${fields}${last}Connection: close\r\n\r\n`;
};

describe('header field count', () => {
  it('1000 fields in all: served, and the last one (the session header) reaches the upstream', async () => {
    seen.length = 0;
    const r = await send(head(1000 - 5, 'X-User-Id: u-1000\r\n'));
    expect(r.status).toBe(200);
    expect(seen.at(-1)?.['x-user-id']).toBe('u-1000');
  });

  it('1001 fields: 431 in the OpenAI error shape, the socket closed, nothing sent upstream (the session header was dropped before)', async () => {
    seen.length = 0;
    const r = await send(head(1001 - 5, 'X-User-Id: u-1001\r\n'));
    expect(r.status).toBe(431);
    expect(r.closed).toBe(true);
    const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4));
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_header_fields_too_large' });
    expect(body.error.message).toContain('1000');
    expect(seen).toHaveLength(0);
  });

  it('a Content-Type past the 1000th field is not ignored: 431, not a text/plain body read as JSON', async () => {
    seen.length = 0;
    const r = await send(head(1200, 'Content-Type: text/plain\r\n'));
    expect(r.status).toBe(431);
    expect(seen).toHaveLength(0);
  });

  it('the gateway keeps serving on new sockets afterwards', async () => {
    const r = await send(head(0, ''));
    expect(r.status).toBe(200);
  });
});

describe('Host', () => {
  it('two Host fields: 400 (RFC 9112 3.2), not served', async () => {
    seen.length = 0;
    const r = await send(head(0, 'Host: other\r\n'));
    expect(r.status).toBe(400);
    expect(r.closed).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('no Host on HTTP/1.1: 400 (Node refuses it itself)', async () => {
    const r = await send(`POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n`);
    expect(r.status).toBe(400);
  });
});
