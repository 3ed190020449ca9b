// Upstream answers at the edge of HTTP framing, Worker vs Node (parity-upstream.ts RAW).
// An upstream answer with both Content-Length and Transfer-Encoding (RFC 9112 6.1: a sender must not
// send both; a proxy that passes such a message on invites request smuggling and a cut answer). Node's
// parser refuses the head: 502 upstream_error. workerd takes it and fails only when it reads the body:
// a passed-through answer went out as a 200 and was then cut. parity-upstream.ts: raw-length-and-chunked.
import { describe, expect, it } from 'vitest';
import { chatReq, compare } from './parity-client.ts';

describe('Node vs Worker: an answer with Content-Length and Transfer-Encoding both', () => {
  it.each([
    ['chat', '/v1/chat/completions', { model: 'raw-length-and-chunked', messages: [{ role: 'user', content: 'hi' }] }],
    ['chat, stream', '/v1/chat/completions', { model: 'raw-length-and-chunked', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
    ['passthrough', '/v1/completions', { model: 'raw-length-and-chunked', prompt: 'hi' }],
    ['passthrough, stream', '/v1/completions', { model: 'raw-length-and-chunked', prompt: 'hi', stream: true }],
  ])('%s: 502 upstream_error on both', async (_name, path, body) => {
    const { node, diff } = await compare({ ...chatReq(body), path });
    expect([node.status, (node.body as { error?: { code?: string } }).error?.code]).toEqual([502, 'upstream_error']);
    expect(diff).toEqual([]);
  });
});

const ask = (model: string, path: string, extra: Record<string, unknown> = {}) =>
  ({ ...chatReq(path === '/v1/completions' ? { model, prompt: 'hi', ...extra } : { model, messages: [{ role: 'user', content: 'hi' }], ...extra }, { 'x-vsr-cache-control': 'bypass' }), path });
const ROUTES: Array<[string, string, Record<string, unknown>]> = [
  ['chat', '/v1/chat/completions', {}],
  ['chat, stream', '/v1/chat/completions', { stream: true }],
  ['passthrough', '/v1/completions', {}],
];
const code = (s: { body: unknown }) => (s.body as { error?: { code?: unknown } }).error?.code;

describe('Node vs Worker: a status code past 599', () => {
  // A Response cannot carry it (RangeError): the Worker answered 500 internal_error, its own failure.
  // Node passed the 999 on to the client (node:http sends any 3 digits); both now refuse it.
  it.each(ROUTES)('%s: 502 upstream_error on both', async (_name, path, extra) => {
    const { node, worker } = await compare(ask('raw-status-999', path, extra));
    expect([worker.status, code(worker)]).toEqual([502, 'upstream_error']);
    expect([node.status, code(node)]).toEqual([502, 'upstream_error']);
  });
});

describe('Node vs Worker: answers that end, or lack a reason, in ways both take; a Connection-named header', () => {
  for (const model of ['raw-http10', 'raw-empty-200', 'raw-no-reason', 'raw-long-body', 'raw-short-body', 'raw-connection-listed']) {
    it.each(ROUTES)(`${model}: %s, the same answer`, async (_name, path, extra) => {
      const { worker, diff } = await compare(ask(model, path, extra));
      expect(diff).toEqual([]);
      if (model === 'raw-connection-listed') expect([worker.headers['x-hop'], worker.headers['x-kept']]).toEqual([undefined, 'yes']);
    });
  }
});

// Deliberate (README): workerd's parser takes what RFC 9112 lets a recipient take (whitespace before a
// header's colon removed, an obs-fold replaced by spaces, a bare LF as a line end); Node's refuses
// them, 502 upstream_error. The Worker sees only the parsed head, so it cannot refuse them itself.
// Checked on both sides so that a change on either is noticed.
describe('Node vs Worker: heads Node refuses and workerd takes', () => {
  for (const model of ['raw-space-colon', 'raw-folded', 'raw-lf-only']) {
    it(`${model}: Node 502 upstream_error, the Worker the answer`, async () => {
      const { node, worker } = await compare(ask(model, '/v1/chat/completions'));
      expect([node.status, code(node)]).toEqual([502, 'upstream_error']);
      expect([worker.status, (worker.body as { object?: string }).object]).toEqual([200, 'chat.completion']);
    });
  }
});

describe('Node vs Worker: Transfer-Encoding gzip, chunked', () => {
  // workerd refuses the head ("internal error" once the request went out whole: not HTTP it can read).
  // Node passed a passed-through one on as a 200 that was then cut; it now refuses the head too.
  it.each(ROUTES)('%s: 502 upstream_error on both', async (_name, path, extra) => {
    const { node, worker } = await compare(ask('raw-te-gzip-chunked', path, extra));
    expect([worker.status, code(worker)]).toEqual([502, 'upstream_error']);
    expect([node.status, code(node)]).toEqual([502, 'upstream_error']);
  });
});
