// runtimes/node/request-headers.ts gives the record the gateway used to build by iterating the fetch
// Headers of the request (@hono/node-server's: one append per raw header): checked on requests sent
// as raw bytes to a real node:http server, with repeats, mixed case, whitespace, cookies.
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeRequestHeaders } from '../../runtimes/node/request-headers.ts';
import { headerRecord } from '../../src/api/openai.ts';

let seen: IncomingMessage[] = [];
const server = createServer((req, res) => {
  seen.push(req);
  res.end('ok');
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Sends one request whose head is exactly `lines`, returns what node:http made of it. */
function received(lines: string[]): Promise<IncomingMessage> {
  seen = [];
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(['POST /v1/chat/completions HTTP/1.1', 'Host: x', ...lines, 'Content-Length: 0', '', ''].join('\r\n')));
    s.on('data', () => {
      s.destroy();
      resolve(seen[0]!);
    });
    s.on('error', reject);
  });
}

/** What the gateway built before: a fetch Headers from the raw headers (as @hono/node-server), iterated. */
function viaFetchHeaders(req: IncomingMessage): Record<string, string> {
  const h = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) h.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  return headerRecord(h);
}

describe('nodeRequestHeaders', () => {
  const heads: Record<string, string[]> = {
    'plain chat request': ['Content-Type: application/json', 'Authorization: Bearer sk-1', 'X-User-Id: u1', 'Connection: keep-alive'],
    'repeats of one name, mixed case': ['X-Tag: a', 'x-tag: b', 'X-TAG: c', 'Accept: */*', 'accept: text/plain'],
    'cookies joined with "; ", set-cookie keeps the last': ['Cookie: a=1', 'cookie: b=2', 'Set-Cookie: s=1', 'Set-Cookie: s=2'],
    'whitespace around values (tabs, spaces) and empty values': ['X-Pad:   padded\t ', 'X-Empty:', 'X-Inner: a  b', 'X-Tab:\tt'],
    'names sort by code unit, not by arrival': ['Zeta: 1', 'alpha: 2', 'Mid-Name: 3', 'x-vsr-selected-model: m', '_under: 4'],
    'obs-text bytes in a value (latin1)': ['X-Latin: caf\u00e9'],
    'a __proto__ header': ['__proto__: x', 'X-After: y'],
  };
  for (const [name, lines] of Object.entries(heads)) {
    it(`${name}: the same record, keys in the same order`, async () => {
      const req = await received(lines);
      const expected = viaFetchHeaders(req);
      const got = nodeRequestHeaders({ incoming: req, outgoing: undefined });
      expect(got).toBeDefined();
      expect(Object.keys(got!)).toEqual(Object.keys(expected));
      expect(got).toEqual(expected);
    });
  }

  it('falls back (undefined) without a node:http request or for a value fetch Headers refuse', async () => {
    expect(nodeRequestHeaders(undefined)).toBeUndefined();
    expect(nodeRequestHeaders({})).toBeUndefined();
    const req = await received(['X-Ok: 1']);
    const forged = Object.assign(Object.create(req) as IncomingMessage, { rawHeaders: ['X-Bad', 'a\0b'], httpVersionMajor: 1 });
    expect(nodeRequestHeaders({ incoming: forged })).toBeUndefined();
    expect(() => viaFetchHeaders(forged)).toThrow(TypeError);
  });
});
