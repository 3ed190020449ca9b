// Two in-process caches on one real redis-server: entries and evictions cross within a second, a
// pod that starts later loads what exists, and a Redis outage degrades to local-only then recovers.
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { freePort, startRedis } from '../setup/redis.ts';
import type { Logger } from '../../src/observability/types.ts';
import { RedisPods, answer, cacheKey as key, until, vec } from './helpers/redis-pods.ts';

const warnings: string[] = [];
const logger: Logger = { debug() {}, info() {}, warn: (_o, m) => void warnings.push(m ?? ''), error() {} };

const pods = new RedisPods();
const pod = (url: string, prefix: string, maxEntries = 100) => pods.pod(url, prefix, { logger, maxEntries, connectTimeoutMs: 1500 });

afterAll(async () => {
  await pods.close();
});

describe('semantic cache shared through Redis', () => {
  const url = inject('redisUrl');

  it('has a redis-server', () => {
    expect(url, 'redis-server missing: apt-get install -y redis-server').toMatch(/^redis:\/\//);
  });

  it('an entry stored by one pod is a hit on the other within 1 s; evictions propagate', async () => {
    const prefix = `t1:${Date.now()}:`;
    const a = await pod(url, prefix, 2);
    const b = await pod(url, prefix, 2);
    await a.cache.store(key, vec(1), answer('one'));
    const took = await until(async () => (await b.cache.lookup(key, vec(1), 0.99)) !== undefined, 1000);
    expect(took).toBeLessThan(1000);
    expect((await b.cache.lookup(key, vec(1), 0.99))!.answer.completion).toEqual(answer('one').completion);
    // other partitions still miss on b
    expect(await b.cache.lookup({ requestedModel: 'gpt', scope: 'global' }, vec(1), 0.5)).toBeUndefined();

    await a.cache.store(key, vec(2), answer('two'));
    await a.cache.store(key, vec(3), answer('three')); // evicts 'one' on a (fifo, max 2)
    expect(await a.cache.lookup(key, vec(1), 0.99)).toBeUndefined();
    await until(async () => (await b.cache.lookup(key, vec(3), 0.99)) !== undefined, 1000);
    await until(async () => (await b.cache.lookup(key, vec(1), 0.99)) === undefined, 1000);
    expect(b.cache.size()).toBe(2);

    // a pod started later loads what exists
    const c = await pod(url, prefix, 10);
    expect((await c.cache.lookup(key, vec(2), 0.99))?.answer.completion).toEqual(answer('two').completion);
    expect(await c.cache.lookup(key, vec(1), 0.99)).toBeUndefined();
  });

  it('degrades to local-only when Redis dies, then resyncs when it returns', async () => {
    const bin = inject('redisBin');
    const port = await freePort();
    let server: ChildProcess = await startRedis(bin, port);
    const own = `redis://127.0.0.1:${port}`;
    const a = await pod(own, 'deg:');
    const b = await pod(own, 'deg:');
    warnings.length = 0;
    server.kill('SIGKILL');
    await until(() => !a.backend.healthy() && !b.backend.healthy(), 3000);

    // Said once per pod as the connection went; the stores failing meanwhile add no line.
    expect(warnings.filter((w) => /lost Redis; serving local-only/.test(w))).toHaveLength(2);
    const said = warnings.length;
    // stores and lookups keep working locally, without throwing
    await expect(a.cache.store(key, vec(10), answer('while down'))).resolves.toBeUndefined();
    expect((await a.cache.lookup(key, vec(10), 0.99))?.answer.completion).toEqual(answer('while down').completion);
    expect(await b.cache.lookup(key, vec(10), 0.99)).toBeUndefined();
    expect(warnings).toHaveLength(said);
    expect(a.metrics.render()).toMatch(/llm_cache_backend_errors_total\{[^}]*backend="redis"/);

    server = await startRedis(bin, port);
    try {
      await until(() => a.backend.healthy() && b.backend.healthy(), 5000);
      // a publishes what it stored while down; b picks it up by resync or by the event
      await until(async () => (await b.cache.lookup(key, vec(10), 0.99)) !== undefined, 3000);
      await a.cache.store(key, vec(11), answer('after'));
      await until(async () => (await b.cache.lookup(key, vec(11), 0.99)) !== undefined, 1000);
    } finally {
      server.kill('SIGKILL');
    }
  });
});
