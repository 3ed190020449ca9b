// Upstream behaviour no other test pinned (found by mutating src/upstream/headers.ts and pool.ts):
// each hop-by-hop header is dropped both ways, a Connection-listed name in any case, Date/Server of
// the upstream are the gateway's own; failover order is by weight among the healthy and the down,
// a weight-0 endpoint is never the first pick, and an outage starts once.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.ts';
import { EndpointPool } from '../../src/upstream/pool.ts';
import { forwardHeaders, responseHeaders } from '../../src/upstream/headers.ts';

const HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

describe('upstream headers (mutation audit)', () => {
  it('forwardHeaders drops every hop-by-hop header and the ones the gateway recomputes', () => {
    const client: Record<string, string> = { authorization: 'Bearer k' };
    for (const h of HOP) client[h] = h === 'connection' ? 'close' : 'x';
    Object.assign(client, { 'content-encoding': 'gzip', 'accept-encoding': 'gzip, br', expect: '100-continue', host: 'gw', 'content-length': '9' });
    expect(forwardHeaders(client, {})).toEqual({ authorization: 'Bearer k', 'content-type': 'application/json' });
  });

  it('a Connection header naming headers in upper case drops them too', () => {
    expect(forwardHeaders({ connection: 'X-Private, Close', 'x-private': '1', 'x-kept': '2' }, {})).toEqual({ 'x-kept': '2', 'content-type': 'application/json' });
  });

  it('responseHeaders drops hop-by-hop headers, Connection-listed ones, Date and Server', () => {
    const up: Record<string, string> = { 'content-type': 'application/json', 'x-ratelimit-remaining': '9', date: 'Mon, 07 Dec 2026 10:00:00 GMT', server: 'uvicorn', 'x-hop': 'h' };
    for (const h of HOP) up[h] = h === 'connection' ? 'close, X-Hop' : 'x';
    expect(responseHeaders(up)).toEqual({ 'content-type': 'application/json', 'x-ratelimit-remaining': '9' });
  });
});

function pool(endpoints: Array<{ name: string; weight: number }>, now = { t: 0 }) {
  const { config } = validateConfig({
    default_model: 'm',
    vllm_endpoints: endpoints.map((e, i) => ({ ...e, address: `10.0.0.${i + 1}`, port: 8000 })),
  });
  return new EndpointPool(config, { now: () => now.t, wallMs: () => now.t });
}

describe('endpoint order (mutation audit)', () => {
  it('after the weighted pick, the healthy ones follow by weight, then the down ones by weight', () => {
    const p = pool([{ name: 'light', weight: 1 }, { name: 'mid', weight: 2 }, { name: 'heavy', weight: 5 }, { name: 'dl', weight: 1 }, { name: 'dh', weight: 4 }]);
    const all = p.candidates('m');
    p.markDown(all.find((e) => e.name === 'dl')!);
    p.markDown(all.find((e) => e.name === 'dh')!);
    for (let i = 0; i < 8; i++) {
      const names = p.candidates('m').map((e) => e.name);
      const rest = names.slice(1, 3);
      const weight = { light: 1, mid: 2, heavy: 5 } as Record<string, number>;
      expect(weight[rest[0]]).toBeGreaterThanOrEqual(weight[rest[1]]);
      expect(names.slice(3)).toEqual(['dh', 'dl']);
    }
  });

  it('an endpoint of weight 0 is never the first pick, only a fallback', () => {
    const p = pool([{ name: 'spare', weight: 0 }, { name: 'main', weight: 1 }]);
    for (let i = 0; i < 5; i++) expect(p.candidates('m').map((e) => e.name)).toEqual(['main', 'spare']);
  });

  it('markDown starts an outage once; markUp ends it', () => {
    const p = pool([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }]);
    const a = p.candidates('m').find((e) => e.name === 'a')!;
    expect(p.markDown(a)).toBe(true);
    expect(p.markDown(a)).toBe(false);
    expect(p.markUp(a)).toBe(true);
    expect(p.markUp(a)).toBe(false);
    expect(p.markDown(a)).toBe(true);
  });
});
