// The hits shared for lru / lfu eviction (cache-redis-shared-uses.test.ts runs the gateways) where a
// pod's own view is not enough: a pod started later evicts by the hits the running pods saw (they
// are kept in Redis beside the entries), hits made while Redis is away are kept and sent when it is
// back, a pod cut off alone takes the hits it missed from Redis when it resyncs, a Redis restarted
// empty is given each pod's counts (not twice), and what waits is bounded.
// Synced caches in-process on real redis-servers.
import net from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { RedisPods, answer, cacheKey as key, cacheOps, until, vec } from './helpers/redis-pods.ts';
import { untilSteady } from './helpers/until.ts';

const infos: string[] = [];
const logger: Logger = { debug() {}, info: (_o, m) => void infos.push(m ?? ''), warn() {}, error() {} };
const pods = new RedisPods();
afterAll(async () => {
  await pods.close();
});

const [E, X, Y, N] = [1, 2, 3, 4];
/** Batches of hits sent to Redis by this pod. */
const sent = (m: Metrics) => cacheOps(m, 'publish_uses');
const hit = async (c: { lookup: (k: typeof key, v: Float32Array, t: number) => Promise<unknown> }, seed: number) => c.lookup(key, vec(seed), 0.99);

/** The hit counts Redis keeps under `prefix` (one per entry used). */
async function counts(url: string, prefix: string): Promise<number[]> {
  const r = new Redis(url);
  try {
    const keys = await r.keys(`${prefix}u:*`);
    return (await Promise.all(keys.map((k) => r.hget(k, 'h')))).map(Number).sort();
  } finally {
    r.disconnect();
  }
}

/** A TCP relay to Redis that the test can cut (one pod's connections drop, the others' stay). */
async function relay(port: number): Promise<{ url: string; cut(): void; heal(): void; close(): void }> {
  const socks = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((c) => {
    if (!open) return void c.destroy();
    const r = net.connect(port, '127.0.0.1');
    for (const s of [c, r]) {
      socks.add(s);
      s.on('error', () => {}).on('close', () => { socks.delete(s); c.destroy(); r.destroy(); });
    }
    c.pipe(r).pipe(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const cut = () => { open = false; for (const s of socks) s.destroy(); };
  return { url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`, cut, heal: () => void (open = true), close: () => { cut(); server.close(); } };
}

describe('shared hits for lru / lfu on real redis-servers', () => {
  const url = inject('redisUrl');
  const bin = inject('redisBin');

  const cases = [{ eviction: 'lru', onA: [Y] }, { eviction: 'lfu', onA: [X, Y] }] as const;
  for (const { eviction, onA } of cases) {
    it(`${eviction}: a pod started later evicts by the hits the running pods saw`, async () => {
      const prefix = `uses-load:${eviction}:${Date.now()}:`;
      const o = { logger, maxEntries: 3, eviction, usesFlushMs: 20 };
      const a = await pods.pod(url, prefix, o);
      const b = await pods.pod(url, prefix, o);
      for (const s of [E, X, Y]) await a.cache.store(key, vec(s), answer(`entry ${s}`));
      await until(() => b.cache.size() === 3, 2000);
      // Entries stored and used within one millisecond would tie on their last use.
      await new Promise((r) => setTimeout(r, 5));
      // E twice on B; then on A, later, Y (lru) or X and Y once each (lfu: by the times alone E would go).
      for (let i = 0; i < 2; i++) expect(await hit(b.cache, E)).toBeDefined();
      for (const s of onA) {
        await new Promise((r) => setTimeout(r, 5));
        expect(await hit(a.cache, s)).toBeDefined();
      }
      // Redis holds every hit (E's two, one for each entry hit on A).
      await until(async () => (await counts(url, prefix)).join() === [...onA.map(() => 1), 2].join(), 3000);

      // Before: C knew no hit, took the load order for the use order and dropped E (stored first).
      const c = await pods.pod(url, prefix, o);
      expect(c.cache.size()).toBe(3);
      await c.cache.store(key, vec(N), answer('new'));
      expect(await hit(c.cache, X)).toBeUndefined();
      for (const s of [E, Y, N]) expect(await hit(c.cache, s), `entry ${s}`).toBeDefined();
    });
  }

  it('lfu: a pod cut off from Redis alone takes the hits it missed from Redis when it is back', async () => {
    const { port, url: direct } = await pods.server(bin);
    const link = await relay(port);
    try {
      const o = { logger, maxEntries: 3, eviction: 'lfu' as const, usesFlushMs: 20 };
      const a = await pods.pod(link.url, 'cut:', o);
      const b = await pods.pod(direct, 'cut:', o);
      for (const s of [E, X, Y]) await b.cache.store(key, vec(s), answer(`entry ${s}`));
      await until(() => a.cache.size() === 3, 2000);
      link.cut();
      await until(() => !a.backend.healthy(), 3000);
      // Sent while A is away: the event does not reach it, Redis keeps the count.
      for (let i = 0; i < 2; i++) expect(await hit(b.cache, E)).toBeDefined();
      await until(async () => (await counts(direct, 'cut:')).join() === '2', 3000);
      infos.length = 0;
      link.heal();
      await until(() => infos.some((m) => /resynced/.test(m)), 5000);
      // Before: A knew no hit on E (stored first) and dropped it.
      await a.cache.store(key, vec(N), answer('new on A'));
      expect(await hit(a.cache, E)).toBeDefined();
      expect(await hit(a.cache, X)).toBeUndefined();
    } finally {
      link.close();
    }
  }, 20_000);

  it('lfu: hits made while Redis is away are kept; a Redis restarted empty gets every pod\'s counts, once', async () => {
    const first = await pods.server(bin);
    const o = { logger, maxEntries: 3, eviction: 'lfu' as const, usesFlushMs: 20 };
    const a = await pods.pod(first.url, 'rs:', o);
    const b = await pods.pod(first.url, 'rs:', o);
    for (const s of [E, X, Y]) await a.cache.store(key, vec(s), answer(`entry ${s}`));
    await until(() => b.cache.size() === 3, 2000);
    expect(await hit(b.cache, E)).toBeDefined();
    await until(() => sent(b.metrics) > 0, 3000);
    expect(await counts(first.url, 'rs:')).toEqual([1]);

    first.proc.kill('SIGKILL');
    await until(() => !a.backend.healthy() && !b.backend.healthy(), 3000);
    expect(await hit(b.cache, E)).toBeDefined();
    infos.length = 0;
    await pods.server(bin, first.port);
    await until(() => infos.filter((m) => /resynced/.test(m)).length >= 2, 5000);
    await untilSteady(() => sent(b.metrics), { quietMs: 300, ms: 5000, stepMs: 50 });
    // B gave its count (2) as a total; the hit it kept through the outage is in it, not added again (3).
    expect(await counts(first.url, 'rs:')).toEqual([2]);

    // A (which saw no hit itself) and a pod started now both drop an entry nobody used, not E.
    await a.cache.store(key, vec(N), answer('new on A'));
    expect(await hit(a.cache, E)).toBeDefined();
    const c = await pods.pod(first.url, 'rs:', o);
    await c.cache.store(key, vec(N + 1), answer('new on C'));
    expect(await hit(c.cache, E)).toBeDefined();
  }, 20_000);

  it('hits made while Redis does not answer are sent when it is back, for at most maxPendingUses entries (the rest count on the pod only)', async () => {
    const { proc, url: own } = await pods.server(bin);
    const o = { logger, maxEntries: 10, eviction: 'lru' as const, usesFlushMs: 20, maxPendingUses: 2, commandTimeoutMs: 300 };
    const a = await pods.pod(own, 'bound:', o);
    for (const s of [E, X, Y]) await a.cache.store(key, vec(s), answer(`entry ${s}`));
    // Paused: a store's send hangs and Redis counts as down; the hits made then wait, bounded.
    proc.kill('SIGSTOP');
    await a.cache.store(key, vec(N), answer('while paused'));
    await until(() => !a.backend.healthy(), 3000);
    for (const s of [E, X, Y]) expect(await hit(a.cache, s)).toBeDefined();
    proc.kill('SIGCONT');
    await until(() => a.backend.healthy(), 5000);
    await until(async () => (await counts(own, 'bound:')).length > 0, 3000);
    await untilSteady(() => sent(a.metrics), { quietMs: 300, ms: 5000, stepMs: 50 });
    expect((await counts(own, 'bound:')).length).toBe(2);
  }, 20_000);
});
