// x-vsr-* decision headers go on a 2xx answer only (the reference adds them in its response-header
// phase for successful answers; the gateway already did so for an upstream's own error answer), and
// every error keeps x-request-id. The gateway's own upstream errors (no endpoint accepted the
// connection: 502; no head in time: 504) carried the decision headers, so two 502s of the same
// request told different stories. Real sockets: a closed port, a silent upstream, the mock's 503.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let closed: Gateway;
let silent: Gateway;
let mockGw: Gateway;
let hang: http.Server;

beforeAll(async () => {
  hang = http.createServer(() => {}); // reads the request, never answers
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
  const hangPort = (hang.address() as { port: number }).port;
  closed = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: 1 }]) });
  silent = await startGateway({ config: () => testConfig({ upstream: { timeout_ms: 300 } }, [{ name: 'production-stack', address: '127.0.0.1', port: hangPort }]) });
  mockGw = await startGateway({});
});
afterAll(async () => {
  await Promise.all([closed?.close(), silent?.close(), mockGw?.close()]);
  hang.closeAllConnections();
  await new Promise((r) => hang.close(r));
});

async function ask(gw: Gateway, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'err-hdr-1', ...headers },
    body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.text();
  return { status: res.status, vsr: [...res.headers.keys()].filter((k) => k.startsWith('x-vsr-')), id: res.headers.get('x-request-id') };
}

describe('decision headers on error answers', () => {
  it('a 200 carries them (the baseline)', async () => {
    const r = await ask(mockGw);
    expect(r.status).toBe(200);
    expect(r.vsr).toContain('x-vsr-selected-model');
  });

  it.each([
    ['the upstream refuses the connection (502)', () => closed, {}, 502],
    ['the upstream sends no head in time (504)', () => silent, {}, 504],
    ['the upstream answers 503', () => mockGw, { 'x-mock-status': '503' }, 503],
  ] as const)('%s: x-request-id only', async (_name, gw, headers, status) => {
    const r = await ask(gw(), headers);
    expect(r.status).toBe(status);
    expect(r.id).toBe('err-hdr-1');
    expect(r.vsr).toEqual([]);
  });
});
