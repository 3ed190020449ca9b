// The Node gateway's header-bytes path (runtimes/node/serve.ts HeaderBytesResponse) on the answers it
// changes least often: HTTP/1.0 clients (no chunked encoding), HEAD, upstream answers without a body
// (204, 304), a chunked SSE answer, and several answers on one keep-alive socket. A node:http upstream
// sends a latin1 header value (one byte 0xe9); raw node:net clients read the answer's bytes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const NOTE = 'caf\xe9'; // latin1: the bytes 63 61 66 e9
const completion = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' }] });
const event = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

let gw: Gateway;
let upstream: http.Server;
let handler: (res: http.ServerResponse) => void;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(res));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as net.AddressInfo).port;
  gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
});
afterAll(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});
beforeEach(() => {
  handler = (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-note': NOTE });
    res.end(completion);
  };
});

interface Answer {
  status: number;
  version: string;
  head: Buffer;
  body: Buffer;
}

/** Writes `requests` on one socket and reads until the gateway closes it; `count` answers are split out. */
function exchange(requests: string[], count = requests.length): Promise<Answer[]> {
  const heads = requests.map((r) => r.startsWith('HEAD '));
  const { hostname, port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const c = net.connect(Number(port), hostname, () => c.write(requests.join('')));
    c.on('data', (d) => {
      parts.push(d);
      const answers = split(Buffer.concat(parts), heads);
      if (answers && answers.length === count) {
        c.destroy();
        resolve(answers);
      }
    });
    c.on('error', reject);
    c.on('close', () => resolve(split(Buffer.concat(parts), heads, true) ?? []));
  });
}

/** Splits a byte stream into answers (heads[i]: answer i is to a HEAD) (content-length, chunked, or until close); undefined while one is incomplete. */
function split(all: Buffer, heads: boolean[], closed = false): Answer[] | undefined {
  const out: Answer[] = [];
  let at = 0;
  while (at < all.length) {
    const end = all.indexOf('\r\n\r\n', at);
    if (end < 0) return closed ? out : undefined;
    const head = all.subarray(at, end);
    const text = head.toString('latin1');
    const [version, status] = text.split(' ');
    const len = /\r\ncontent-length: *(\d+)/i.exec(text);
    const noBody = heads[out.length] || Number(status) === 204 || Number(status) === 304;
    let body: Buffer;
    if (noBody) {
      body = Buffer.alloc(0);
      at = end + 4;
    } else if (len) {
      if (all.length < end + 4 + Number(len[1])) return closed ? out : undefined;
      body = all.subarray(end + 4, end + 4 + Number(len[1]));
      at = end + 4 + Number(len[1]);
    } else if (/\r\ntransfer-encoding: *chunked/i.test(text)) {
      const chunks: Buffer[] = [];
      let p = end + 4;
      for (;;) {
        const eol = all.indexOf('\r\n', p);
        if (eol < 0) return closed ? out : undefined;
        const size = parseInt(all.subarray(p, eol).toString('latin1'), 16);
        if (all.length < eol + 2 + size + 2) return closed ? out : undefined;
        chunks.push(all.subarray(eol + 2, eol + 2 + size));
        p = eol + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
      at = p;
    } else {
      if (!closed) return undefined;
      body = all.subarray(end + 4);
      at = all.length;
    }
    out.push({ status: Number(status), version, head, body });
  }
  return out;
}

const note = (head: Buffer) => {
  const i = head.indexOf('\r\nx-note: ');
  return i < 0 ? undefined : head.subarray(i + 10, head.indexOf('\r\n', i + 10) < 0 ? head.length : head.indexOf('\r\n', i + 10));
};
const chat = (version: string, stream: boolean, extra = '') => {
  const body = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream });
  return `POST /v1/chat/completions ${version}\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
};

describe('header bytes on the less common answer shapes', () => {
  it('HTTP/1.0 client, JSON answer: latin1 header byte kept, whole body', async () => {
    const [a] = await exchange([chat('HTTP/1.0', false)]);
    expect(a.status).toBe(200);
    expect(note(a.head)).toEqual(Buffer.from(NOTE, 'latin1'));
    expect(JSON.parse(a.body.toString()).choices[0].message.content).toBe('x');
  });

  it('HTTP/1.0 client, streamed answer (no chunked encoding): header byte kept, every event, then close', async () => {
    handler = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-note': NOTE });
      res.write(event('é1'));
      setTimeout(() => res.end(event('2') + 'data: [DONE]\n\n'), 20);
    };
    const [a] = await exchange([chat('HTTP/1.0', true)], 2);
    expect(a.status).toBe(200);
    expect(a.head.toString('latin1')).not.toMatch(/transfer-encoding/i);
    expect(note(a.head)).toEqual(Buffer.from(NOTE, 'latin1'));
    expect(a.body.toString('utf8')).toBe(event('é1') + event('2') + 'data: [DONE]\n\n');
  });

  it('HTTP/1.1 chunked SSE with a latin1 header: body bytes are UTF-8 and unchanged', async () => {
    handler = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-note': NOTE });
      res.write(event('数学'));
      setTimeout(() => res.end(event('é') + 'data: [DONE]\n\n'), 20);
    };
    const [a] = await exchange([chat('HTTP/1.1', true, 'connection: close\r\n')], 2);
    expect(a.status).toBe(200);
    expect(note(a.head)).toEqual(Buffer.from(NOTE, 'latin1'));
    expect(a.body.toString('utf8')).toBe(event('数学') + event('é') + 'data: [DONE]\n\n');
  });

  it('three answers on one keep-alive socket: the non-ASCII one and the ASCII ones around it are framed right', async () => {
    let n = 0;
    handler = (res) => {
      const i = n++;
      res.writeHead(200, { 'content-type': 'application/json', ...(i === 1 ? { 'x-note': NOTE } : {}) });
      res.end(completion);
    };
    const answers = await exchange([chat('HTTP/1.1', false), chat('HTTP/1.1', false), chat('HTTP/1.1', false)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => note(a.head)?.toString('latin1'))).toEqual([undefined, NOTE, undefined]);
    for (const a of answers) expect(JSON.parse(a.body.toString()).id).toBe('c1');
  });

  for (const status of [204, 304]) {
    it(`an upstream ${status} with a latin1 header: status kept, no body bytes, the socket serves the next answer`, async () => {
      let n = 0;
      handler = (res) => {
        if (n++ === 0) {
          res.writeHead(status, { 'x-note': NOTE });
          res.end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(completion);
        }
      };
      const answers = await exchange([chat('HTTP/1.1', false), chat('HTTP/1.1', false)]);
      expect(answers.map((a) => a.status)).toEqual([status, 200]);
      expect(note(answers[0].head)).toEqual(Buffer.from(NOTE, 'latin1'));
      expect(JSON.parse(answers[1].body.toString()).id).toBe('c1');
    });
  }

  it('HEAD on the gateway: a head without body bytes, and the socket serves the next request', async () => {
    const answers = await exchange(['HEAD /health HTTP/1.1\r\nhost: gw\r\n\r\n', 'GET /health HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n'], 2);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
  });
});
