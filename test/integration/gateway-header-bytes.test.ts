// Header values are opaque octets to HTTP: what the upstream sends must reach the client byte for byte
// (and the client's headers the upstream), whatever bytes they hold. Both ends here are raw node:net
// sockets reading the bytes on the wire, since node:http and fetch would decode them into strings
// first. The gateway's own x-vsr-* values carry config text and are percent-encoded UTF-8 when they
// are not plain ASCII.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Classifiers, ClassResult, SequenceClassifier } from '../../src/classify/types.ts';
import { headerText } from '../../src/upstream/headers.ts';
import { EMPTY_CLASSIFIERS, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const completion = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
const sse = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

const UTF8_NOTE = Buffer.from('café ☕ 数学', 'utf8');
const LATIN1_NOTE = Buffer.from('caf\xe9 \xff', 'latin1');

interface Answer {
  status: number;
  contentType: string;
  body: string;
  headers: Array<[string, Buffer]>;
}

/** Reads one request's head as bytes; the value of each header, as sent. */
function headerBytes(head: Buffer, name: string): Buffer | undefined {
  let at = head.indexOf('\r\n') + 2;
  while (at > 1 && at < head.length) {
    const eol = head.indexOf('\r\n', at);
    const line = head.subarray(at, eol < 0 ? head.length : eol);
    const colon = line.indexOf(':');
    if (colon > 0 && line.subarray(0, colon).toString('latin1').toLowerCase() === name) {
      let v = line.subarray(colon + 1);
      while (v[0] === 0x20 || v[0] === 0x09) v = v.subarray(1);
      return v;
    }
    if (eol < 0) break;
    at = eol + 2;
  }
  return undefined;
}

/** A keep-alive HTTP/1.1 upstream on node:net that writes each answer's header values as raw bytes. */
async function rawUpstream(answer: () => Answer, seen: Buffer[]) {
  const server = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end);
        const len = Number(headerBytes(head, 'content-length')?.toString('latin1') ?? 0);
        if (buf.length < end + 4 + len) return;
        seen.push(Buffer.from(head));
        buf = buf.subarray(end + 4 + len);
        const a = answer();
        const lines: Buffer[] = [Buffer.from(`HTTP/1.1 ${a.status} X\r\ncontent-type: ${a.contentType}\r\ncontent-length: ${Buffer.byteLength(a.body)}\r\n`, 'latin1')];
        for (const [k, v] of a.headers) lines.push(Buffer.from(`${k}: `, 'latin1'), v, Buffer.from('\r\n', 'latin1'));
        lines.push(Buffer.from('\r\n', 'latin1'), Buffer.from(a.body, 'utf8'));
        s.write(Buffer.concat(lines));
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, server };
}

/** One request over a raw socket; the answer's head as bytes. */
function rawExchange(url: string, headers: Array<[string, Buffer]>, body: string): Promise<{ status: number; head: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const c = net.connect(Number(port), hostname, () => {
      const lines: Buffer[] = [Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`, 'latin1')];
      for (const [k, v] of headers) lines.push(Buffer.from(`${k}: `, 'latin1'), v, Buffer.from('\r\n', 'latin1'));
      lines.push(Buffer.from('\r\n', 'latin1'), Buffer.from(body, 'utf8'));
      c.write(Buffer.concat(lines));
    });
    c.on('data', (d) => parts.push(d));
    c.on('error', reject);
    c.on('end', () => {
      const all = Buffer.concat(parts);
      const head = all.subarray(0, all.indexOf('\r\n\r\n'));
      resolve({ status: Number(head.toString('latin1').split(' ')[1]), head });
    });
  });
}

/** A domain "classifier" that answers `math` with full confidence, so routing picks the category named in config. */
function mathClassifier(): Classifiers {
  const labels = ['math', 'other'];
  const domain: SequenceClassifier = {
    name: 'domain',
    labels,
    threshold: 0.5,
    async classify(): Promise<ClassResult> {
      return { label: 'math', index: 0, confidence: 0.99, probabilities: Float32Array.from([0.99, 0.01]), truncated: false };
    },
  };
  return { ...EMPTY_CLASSIFIERS, sequence: (name) => (name === 'domain' ? domain : undefined) };
}

const ask = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'what is 2+2' }] });
const CATEGORY = 'mathématiques 数学 100%';

let gw: Gateway;
let up: Awaited<ReturnType<typeof rawUpstream>>;
let answer: Answer;
const seen: Buffer[] = [];

beforeAll(async () => {
  up = await rawUpstream(() => answer, seen);
  gw = await startGateway({
    classifiers: mathClassifier(),
    config: () =>
      testConfig(
        { categories: [{ name: CATEGORY, mmlu_categories: ['math'], model_scores: [{ model: 'qwen3', score: 1, use_reasoning: false }] }] },
        [{ name: 'production-stack', address: '127.0.0.1', port: up.port }],
      ),
  });
});
afterAll(async () => {
  await gw?.close();
  up?.server.close();
});
beforeEach(() => {
  seen.length = 0;
  answer = { status: 200, contentType: 'application/json', body: completion, headers: [] };
});

describe('upstream response header bytes reach the client unchanged', () => {
  for (const [what, note] of [
    ['UTF-8', UTF8_NOTE],
    ['latin1', LATIN1_NOTE],
  ] as const) {
    it(`a JSON answer with ${what} bytes in a header value`, async () => {
      answer.headers = [['x-model-note', note]];
      const res = await rawExchange(gw.url, [], ask('qwen3'));
      expect(res.status).toBe(200);
      expect(headerBytes(res.head, 'x-model-note')).toEqual(note);
    });

    it(`an SSE answer with ${what} bytes in a header value`, async () => {
      answer = { status: 200, contentType: 'text/event-stream', body: sse, headers: [['x-model-note', note]] };
      const res = await rawExchange(gw.url, [], ask('qwen3'));
      expect(res.status).toBe(200);
      expect(headerBytes(res.head, 'x-model-note')).toEqual(note);
    });

    it(`an upstream error answer with ${what} bytes in a header value`, async () => {
      answer = { status: 429, contentType: 'text/plain', body: 'slow down', headers: [['x-model-note', note]] };
      const res = await rawExchange(gw.url, [], ask('qwen3'));
      expect(res.status).toBe(429);
      expect(headerBytes(res.head, 'x-model-note')).toEqual(note);
    });
  }
});

describe('client request header bytes reach the upstream unchanged', () => {
  for (const [what, user] of [
    ['UTF-8', Buffer.from('jöhn-😀', 'utf8')],
    ['latin1', Buffer.from('j\xf6hn', 'latin1')],
  ] as const) {
    it(`the session header (x-user-id) and an end-to-end header with ${what} bytes`, async () => {
      const res = await rawExchange(gw.url, [['x-user-id', user], ['x-trace-note', UTF8_NOTE]], ask('qwen3'));
      expect(res.status).toBe(200);
      expect(seen).toHaveLength(1);
      expect(headerBytes(seen[0], 'x-user-id')).toEqual(user);
      expect(headerBytes(seen[0], 'x-trace-note')).toEqual(UTF8_NOTE);
    });
  }
});

describe("the gateway's own x-vsr-* headers with non-ASCII config text", () => {
  it('a category name with non-ASCII characters is percent-encoded UTF-8, and decodes back to the name', async () => {
    const res = await rawExchange(gw.url, [], ask('auto'));
    expect(res.status).toBe(200);
    const v = headerBytes(res.head, 'x-vsr-selected-category');
    expect(v).toBeDefined();
    expect([...v!].every((b) => b >= 0x20 && b <= 0x7e)).toBe(true);
    expect(decodeURIComponent(v!.toString('latin1'))).toBe(CATEGORY);
    expect(headerBytes(res.head, 'x-vsr-selected-model')?.toString('latin1')).toBe('qwen3');
  });

  it('a model name from the client with non-ASCII characters: x-selected-model upstream and x-vsr-selected-model are encoded', async () => {
    const model = 'qwen3-数学-é';
    const res = await rawExchange(gw.url, [], ask(model));
    expect(res.status).toBe(200);
    const ascii = (b: Buffer | undefined) => b !== undefined && [...b].every((x) => x >= 0x20 && x <= 0x7e);
    const up = headerBytes(seen[0], 'x-selected-model');
    expect(ascii(up)).toBe(true);
    expect(decodeURIComponent(up!.toString('latin1'))).toBe(model);
    const down = headerBytes(res.head, 'x-vsr-selected-model');
    expect(ascii(down)).toBe(true);
    expect(decodeURIComponent(down!.toString('latin1'))).toBe(model);
  });

  it('headerText: visible ASCII and spaces unchanged, % and everything else percent-encoded UTF-8', () => {
    expect(headerText('computer science')).toBe('computer science');
    expect(headerText('EMAIL_ADDRESS,US_SSN')).toBe('EMAIL_ADDRESS,US_SSN');
    expect(headerText('100%')).toBe('100%25');
    expect(headerText('a\tb\r\nc')).toBe('a%09b%0D%0Ac');
    expect(headerText('café')).toBe('caf%C3%A9');
    expect(headerText('😀')).toBe('%F0%9F%98%80');
    // A lone surrogate cannot be UTF-8: it goes as U+FFFD, never as a throw.
    expect(headerText('x\ud800')).toBe('x%EF%BF%BD');
    for (const t of ['mathématiques 数学 100%', 'a%b c', 'ü\u0000']) expect(decodeURIComponent(headerText(t))).toBe(t);
  });
});
