// A Redis that is full (maxmemory reached under noeviction: every write answers OOM) while it stays
// connected: answers are still served from the local cache, the failure is said once and counted,
// and once the operator makes room the entries stored meanwhile reach the other pods, without a
// reconnect (none comes: the connection never dropped). Own redis-server: CONFIG SET is global.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/observability/types.ts';
import { RedisPods, answer, cacheKey as key, until, vec } from './helpers/redis-pods.ts';

const logs: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
const log = (level: string) => (o: object, m?: string) => void logs.push({ level, msg: m ?? '', obj: o as Record<string, unknown> });
const logger: Logger = { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };
const pods = new RedisPods();

afterAll(async () => {
  await pods.close();
});

describe('semantic cache on a full Redis', () => {
  it('stores are served locally while Redis refuses writes (OOM), said once; they reach the other pod once there is room, with no reconnect', async () => {
    const { url } = await pods.server(inject('redisBin'));
    const a = await pods.pod(url, 'full:', { logger });
    const b = await pods.pod(url, 'full:', { logger });
    expect(a.connected && b.connected).toBe(true);
    const r = new Redis(url);
    await r.config('SET', 'maxmemory-policy', 'noeviction');
    await r.config('SET', 'maxmemory', '1');

    for (let i = 0; i < 3; i++) await a.cache.store(key, vec(i), answer(`full ${i}`));
    // Served here at once, whatever Redis says.
    expect((await a.cache.lookup(key, vec(2), 0.99))?.answer.completion).toMatchObject({ choices: [{ message: { content: 'full 2' } }] });
    expect(a.cache.unpublished()).toBe(3);
    const said = logs.filter((l) => /backend unavailable/.test(l.msg));
    expect(said).toHaveLength(1);
    expect(String(said[0].obj.err)).toMatch(/OOM|EXECABORT/);
    expect(await a.metrics.render()).toMatch(/llm_cache_backend_errors_total\{backend="redis",operation="publish_add"\} 3/);

    // Retried while it stays full (counted), not said again with each retry.
    await until(async () => /llm_cache_backend_errors_total\{backend="redis",operation="resync"\} [1-9]/.test(await a.metrics.render()), 5000);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(2);
    expect(logs.filter((l) => /resync .*failed/.test(l.msg))[0]?.obj).toMatchObject({ unpublished: 3 });

    // The operator makes room; both pods stay connected throughout.
    await r.config('SET', 'maxmemory', '0');
    await until(() => a.cache.unpublished() === 0, 8000);
    await until(async () => (await b.cache.lookup(key, vec(0), 0.99)) !== undefined, 2000);
    expect(b.cache.size()).toBe(3);
    expect(logs.filter((l) => /Redis is back/.test(l.msg))).toHaveLength(0);
    r.disconnect();
  }, 20_000);
});
