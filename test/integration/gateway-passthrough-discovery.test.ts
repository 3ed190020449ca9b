// GET /api/v1 and GET /openapi.json list what the gateway answers. The passed-through Production Stack
// routes (server.passthrough_paths) were missing from both, so a client or an API catalogue reading
// them saw chat and the classification API only, as if /v1/completions were a 404.
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const gws: Gateway[] = [];
afterAll(async () => {
  for (const g of gws) await g.close();
});
const start = async (paths?: string[]) => {
  const gw = await startGateway({ config: (port) => testConfig(paths ? { server: { ...testConfig().server, passthrough_paths: paths } } : {}, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]) });
  gws.push(gw);
  return gw;
};
const get = async (gw: Gateway, path: string) => (await (await fetch(`${gw.url}${path}`)).json()) as any;

describe('discovery lists the passed-through routes', () => {
  it('/api/v1 and /openapi.json name each configured path, the guarded ones as guarded', async () => {
    const gw = await start();
    const api = await get(gw, '/api/v1');
    expect(api.endpoints).toContainEqual({ path: '/v1/completions', method: 'POST', description: expect.stringMatching(/passed through.*guard/i) });
    expect(api.endpoints).toContainEqual({ path: '/v1/embeddings', method: 'POST', description: expect.stringMatching(/passed through/i) });
    expect(api.endpoints).toContainEqual({ path: '/version', method: 'GET', description: expect.stringMatching(/passed through/i) });
    // Chat stays listed once, as the gateway's.
    expect(api.endpoints.filter((e: any) => e.path === '/v1/chat/completions')).toHaveLength(1);
    const spec = await get(gw, '/openapi.json');
    expect(spec.paths['/v1/completions'].post.responses['400']).toBeDefined();
    expect(spec.paths['/v1/embeddings'].post.summary).toMatch(/passed through/i);
    expect(spec.paths['/version'].get).toBeDefined();
    // What the gateway answers for these itself, before any upstream.
    expect(Object.keys(spec.paths['/v1/embeddings'].post.responses)).toEqual(expect.arrayContaining(['413', '502', '504']));
  });

  it('with passthrough_paths: [] none is listed', async () => {
    const gw = await start([]);
    expect((await get(gw, '/api/v1')).endpoints.map((e: any) => e.path)).not.toContain('/v1/completions');
    expect((await get(gw, '/openapi.json')).paths['/v1/completions']).toBeUndefined();
  });
});
