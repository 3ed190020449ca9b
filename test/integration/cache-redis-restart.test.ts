// Redis restarted without its data (no persistence, the usual cache setup; a new pod after a node
// failure): every pod came back, resynced against the empty Redis and dropped every entry the
// empty Redis lacked, as if other pods had removed them, so one Redis restart emptied the cache of
// the whole fleet. Now a pod that finds another Redis (its run_id changed) publishes its entries to
// it again, and a pod starting afterwards loads them. A Redis that only dropped the connection
// (same run_id) is resynced as before: what it lacks was removed elsewhere. Real redis-server.
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Logger } from '../../src/observability/types.ts';
import { RedisPods, answer, cacheKey as key, until, vec } from './helpers/redis-pods.ts';

const infos: Array<{ msg: string; obj: Record<string, unknown> }> = [];
const logger: Logger = { debug() {}, info: (o, m) => void infos.push({ msg: m ?? '', obj: o as Record<string, unknown> }), warn() {}, error() {} };
const pods = new RedisPods();
afterAll(async () => {
  await pods.close();
});

describe('semantic cache when Redis restarts empty', () => {
  it('the pods keep their entries and give them to the new Redis; a pod started after loads them', async () => {
    const bin = inject('redisBin');
    const first = await pods.server(bin);
    const { port, url } = first;
    let server = first.proc;
    const a = await pods.pod(url, 'rs:', { logger });
    const b = await pods.pod(url, 'rs:', { logger });
    for (let i = 0; i < 5; i++) await a.cache.store(key, vec(i), answer(`kept ${i}`));
    await until(() => b.cache.size() === 5, 2000);

    server.kill('SIGKILL');
    await until(() => !a.backend.healthy() && !b.backend.healthy(), 3000);
    server = (await pods.server(bin, port)).proc;
    await until(() => a.backend.healthy() && b.backend.healthy(), 5000);
    await until(() => infos.filter((l) => /resynced/.test(l.msg)).length >= 2, 5000);
    await new Promise((r) => setTimeout(r, 200));

    // Before: both pods emptied (the new Redis held none of them).
    expect(a.cache.size()).toBe(5);
    expect(b.cache.size()).toBe(5);
    const c = await pods.pod(url, 'rs:', { logger });
    expect(c.cache.size()).toBe(5);
    expect((await c.cache.lookup(key, vec(3), 0.99))?.answer.completion).toEqual(answer('kept 3').completion);
  }, 20_000);
});
