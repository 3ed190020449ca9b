// An upstream that loses the connection before any byte of an answer, on the Worker: a request the
// upstream may have read is not sent again (a POST generation would run twice), as on Node
// (runtimes/node/upstream-sockets.ts); one that never reached it whole is (upstream-fetch.ts).
// parity-upstream.ts: drop-then-live drops a request id's first arrival on endpoint 'stall' and answers
// a later one on 'stall-twin' (the same server); x-stall-cut resets the first arrival mid-body.
import { describe, expect, inject, it } from 'vitest';
import { chatReq, onNode, onWorker, parityEnv, type Seen } from './parity-client.ts';

const arrivals = async (id: string) => Number(await (await fetch(`${inject('stallUrl')}/arrivals/${id}`)).text());
const code = (s: Seen) => (s.body as { error?: { code?: string } }).error?.code;
const ask = (id: string, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  chatReq({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }, { 'x-stall-id': id, ...headers });

describe('Worker: an upstream that drops the connection after reading the request', () => {
  // Node sends these on a fresh socket: its gateway is this file's own (parity-client.ts nodeUrl). On
  // the gateway all files shared, a socket kept alive from an earlier file's requests, reused ~1-3 s
  // later and dropped, was taken for the upstream's idle close crossing the reuse and sent again
  // (runtimes/node/upstream-sockets.ts: 'stale'): a 200 here, unless the file first waited 6 s.
  for (const stream of [false, true]) {
    it(`is not sent to the next endpoint (502 upstream_connection_closed, as Node)${stream ? ', stream' : ''}`, async () => {
      const tag = `${Date.now()}-${stream}`;
      const node = await onNode(ask(`node-${tag}`, 'drop-then-live', { stream }));
      const worker = await onWorker(ask(`worker-${tag}`, 'drop-then-live', { stream }));
      expect([node.status, code(node)]).toEqual([502, 'upstream_connection_closed']);
      expect([worker.status, worker.body]).toEqual([node.status, node.body]);
      // One arrival each: the second endpoint never got it.
      expect([await arrivals(`node-${tag}`), await arrivals(`worker-${tag}`)]).toEqual([1, 1]);
    });
  }
});

describe('Worker: a passed-through POST the upstream read and dropped', () => {
  it('/v1/completions: 502 upstream_connection_closed on both', async () => {
    const req = { ...chatReq({ model: 'drop', prompt: 'hi' }), path: '/v1/completions' };
    const node = await onNode(req);
    const worker = await onWorker(req);
    expect([node.status, code(node)]).toEqual([502, 'upstream_connection_closed']);
    expect([worker.status, worker.body]).toEqual([node.status, node.body]);
  });
});

describe('Worker: an upstream that resets the connection before it has the whole request', () => {
  // A body far past what the kernel buffers on loopback, so the reset comes while it is being written.
  const bigEnv = { ...parityEnv, SEMROUTE_CONFIG: inject('parityYaml').replace('max_body_bytes: 65536', 'max_body_bytes: 16777216') };
  it('is sent again (the upstream never read it whole): 200 on the second try', async () => {
    const id = `cut-${Date.now()}`;
    const big = 'x'.repeat(8 * 1024 * 1024);
    const worker = await onWorker(ask(id, 'odd-headers', { user: big }, { 'x-stall-cut': '1' }), bigEnv);
    expect(worker.status).toBe(200);
    expect(await arrivals(id)).toBe(2);
  });
});

// workerd says "internal error" for a status line that is not HTTP (also for TLS and DNS failures,
// which fail before the body goes out). Once the request went out whole, the upstream took it and
// answered something that is not HTTP: 502 upstream_error, as Node says (its parser refuses it).
describe('Worker: an answer that is not HTTP, to a request sent whole', () => {
  it.each([
    ['chat', chatReq({ model: 'raw-bad-status', messages: [{ role: 'user', content: 'hi' }] })],
    ['passthrough', chatReq({ model: 'raw-bad-status', prompt: 'hi' })],
  ])('%s: 502 upstream_error on both', async (name, req) => {
    const r = name === 'passthrough' ? { ...req, path: '/v1/completions' } : req;
    const node = await onNode(r);
    const worker = await onWorker(r);
    expect([node.status, code(node)]).toEqual([502, 'upstream_error']);
    expect([worker.status, worker.body]).toEqual([node.status, node.body]);
  });
});
