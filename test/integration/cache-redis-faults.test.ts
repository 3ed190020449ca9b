// The shared semantic cache when Redis misbehaves without going away: paused (SIGSTOP: the socket
// stays open, nothing answers), a key of the wrong type under the prefix, a password required. Real
// redis-server processes; each case must stay bounded, be said once in the log and be counted.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { freePort } from '../setup/redis.ts';
import type { Logger } from '../../src/observability/types.ts';
import { RedisPods, answer, cacheKey as key, until, vec } from './helpers/redis-pods.ts';

const warnings: Array<{ msg: string; obj: Record<string, unknown> }> = [];
const logger: Logger = { debug() {}, info() {}, warn: (o, m) => void warnings.push({ msg: m ?? '', obj: o as Record<string, unknown> }), error() {} };

const pods = new RedisPods();
const pod = (url: string, prefix: string, commandTimeoutMs = 300, ttlSeconds = 60) => pods.pod(url, prefix, { logger, commandTimeoutMs, ttlSeconds });

afterAll(async () => {
  await pods.close();
});

describe('semantic cache on a misbehaving Redis', () => {
  const bin = inject('redisBin');

  it('a paused Redis: stores settle within the command timeout, nothing piles up, said once; entries stored meanwhile reach the other pod after', async () => {
    const { proc: server, url } = await pods.server(bin);
    const a = await pod(url, 'stop:');
    const b = await pod(url, 'stop:');
    expect(a.connected && b.connected).toBe(true);
    warnings.length = 0;

    server.kill('SIGSTOP');
    const t0 = Date.now();
    // 400 stores of 20 kB answers while nothing answers: before, every one waited for good and
    // each left its 9 commands in ioredis's queue (3600 after this loop), holding the answers.
    const stores = Array.from({ length: 400 }, (_, i) => a.cache.store(key, vec(i), answer(`paused ${i} ${'x'.repeat(20_000)}`)));
    const settled = await Promise.race([Promise.all(stores).then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
    expect(settled, 'stores still waiting on a paused Redis after 3 s').toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
    // Lookups never left the process: the entries are served locally meanwhile.
    expect(((await a.cache.lookup(key, vec(7), 0.99))?.answer.completion as { choices: unknown[] } | undefined)?.choices[0]).toMatchObject({ message: { content: expect.stringMatching(/^paused 7 /) } });
    for (let i = 400; i < 600; i++) await a.cache.store(key, vec(i), answer(`paused ${i}`));
    expect(a.backend.backlog()).toBeLessThanOrEqual(64 * 9);
    expect(a.backend.healthy()).toBe(false);
    const said = warnings.filter((w) => /did not answer/.test(w.msg));
    expect(said).toHaveLength(1);
    expect(said[0].obj).toMatchObject({ backend: 'redis', timeout_ms: 300 });
    // Besides it, at most the backlog filling up before the stall showed ('more than 64 Redis operations
    // waiting', said while still connected); the stores failing after the drop add no line.
    const others = warnings.filter((w) => !/did not answer/.test(w.msg));
    expect(others.length).toBeLessThanOrEqual(1);
    for (const w of others) expect(String(w.obj.err)).toMatch(/more than 64 Redis operations waiting/);
    expect(a.metrics.render()).toMatch(/llm_cache_backend_errors_total\{backend="redis",operation="timeout"\} 1\b/);

    server.kill('SIGCONT');
    await until(() => a.backend.healthy(), 5000);
    // What a stored while Redis was paused is published on its return and reaches b.
    await until(async () => (await b.cache.lookup(key, vec(550), 0.99)) !== undefined, 5000);
    await until(async () => (await b.cache.lookup(key, vec(3), 0.99)) !== undefined, 5000);
    await a.cache.store(key, vec(9999), answer('after'));
    await until(async () => (await b.cache.lookup(key, vec(9999), 0.99)) !== undefined, 1000);
  });

  it('a key of the wrong type under the prefix: the store is counted as failed and said, not reported as published', async () => {
    const url = inject('redisUrl');
    const prefix = `wrongtype:${Date.now()}:`;
    const r = new Redis(url);
    await r.set(`${prefix}ids`, 'not a sorted set');
    warnings.length = 0;
    const a = await pod(url, prefix);
    for (let i = 0; i < 20; i++) await a.cache.store(key, vec(i), answer(`w ${i}`));
    // Served locally all the same.
    expect(await a.cache.lookup(key, vec(4), 0.99)).toBeDefined();
    const text = a.metrics.render();
    expect(text).toMatch(/llm_cache_operations_total\{backend="redis",operation="publish_add",status="error"\} 20\b/);
    expect(text).not.toMatch(/operation="publish_add",status="success"/);
    // One line for the load at start and the 20 stores.
    const said = warnings.filter((w) => /backend unavailable/.test(w.msg));
    expect(said).toHaveLength(1);
    expect(String(said[0].obj.err)).toMatch(/WRONGTYPE/);
    r.disconnect();
  });

  it('a Redis that wants a password: the start-up warning names the reason', async () => {
    const port = await freePort();
    pods.track(spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'sekret'], { stdio: 'ignore' }));
    await until(async () => {
      const probe = new Redis(`redis://:sekret@127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => {});
      const ok = await probe.ping().then(() => true, () => false);
      probe.disconnect();
      return ok;
    }, 5000);
    warnings.length = 0;
    const a = await pod(`redis://127.0.0.1:${port}`, 'auth:');
    expect(a.connected).toBe(false);
    const start = warnings.find((w) => /at start/.test(w.msg));
    expect(start?.obj.err).toMatch(/NOAUTH/);
    await a.cache.store(key, vec(1), answer('local'));
    expect(await a.cache.lookup(key, vec(1), 0.99)).toBeDefined();
  });

  it('entries that expire leave nothing behind in Redis: the index of ids does not grow with every answer ever stored', async () => {
    const url = inject('redisUrl');
    const prefix = `expiry:${Date.now()}:`;
    // TTL 5 s: the 100 stores must finish well inside it on a loaded CI box (at 2 s, 11 had expired
    // before the count below).
    const a = await pod(url, prefix, 300, 5);
    for (let i = 0; i < 100; i++) await a.cache.store(key, vec(i), answer(`e ${i}`));
    const r = new Redis(url);
    expect(await r.zcard(`${prefix}ids`)).toBe(100);
    await new Promise((res) => setTimeout(res, 5200));
    // The entries' own keys expire in Redis; their ids stayed in the sorted set until some pod
    // started (load) or resynced: 100 here, and one more per answer stored for as long as Redis runs.
    await a.cache.store(key, vec(1000), answer('fresh'));
    expect(await r.keys(`${prefix}e:*`)).toHaveLength(1);
    expect(await r.zcard(`${prefix}ids`)).toBe(1);
    r.disconnect();
  });

  it('a long outage with a short TTL: answers that expired locally are not kept waiting for Redis', async () => {
    const port = await freePort(); // nothing listens: Redis is down for the whole test
    const a = await pod(`redis://127.0.0.1:${port}`, 'outage:', 300, 5);
    expect(a.connected).toBe(false);
    for (let i = 0; i < 300; i++) await a.cache.store(key, vec(i), answer(`o ${i} ${'x'.repeat(10_000)}`));
    expect(a.cache.unpublished()).toBe(300);
    await new Promise((res) => setTimeout(res, 5200));
    // All 300 expired here (never to be published); each held its answer until Redis came back.
    for (let i = 300; i < 310; i++) await a.cache.store(key, vec(i), answer(`o ${i}`));
    expect(a.cache.unpublished()).toBe(10);
  });

  it('entries another version or tool wrote under the prefix in another shape are skipped, not served', async () => {
    const url = inject('redisUrl');
    const prefix = `foreign:${Date.now()}:`;
    const r = new Redis(url);
    const v = Buffer.from(vec(1).buffer).toString('base64');
    const wire = (id: string, a: unknown) => JSON.stringify({ id, m: 'MoM', s: 'global', x: 0, v, a: JSON.stringify(a) });
    // Right vector, answers that are not a stored completion: no completion, a string, null.
    for (const [id, a] of [['no-completion', { text: 'hi' }], ['string', 'hello'], ['null', null]] as const) {
      await r.set(`${prefix}e:${id}`, wire(id, a));
      await r.zadd(`${prefix}ids`, 8.64e15, id);
    }
    const a = await pod(url, prefix);
    const b = await pod(url, prefix);
    expect(await a.cache.lookup(key, vec(1), 0.99)).toBeUndefined();
    // The same arriving as another pod's event.
    await r.publish(`${prefix}events`, JSON.stringify({ o: 'other-pod', op: 'add', e: wire('event', { text: 'hi' }) }));
    await b.cache.store(key, vec(2), answer('real'));
    await until(async () => (await a.cache.lookup(key, vec(2), 0.99)) !== undefined, 1000);
    expect(await a.cache.lookup(key, vec(1), 0.99)).toBeUndefined();
    r.disconnect();
  });

  it('a load that takes longer than the timeout while Redis keeps answering is not taken for a hang', async () => {
    const url = inject('redisUrl');
    const prefix = `bulk:${Date.now()}:`;
    const a = await pod(url, prefix, 1000);
    // A starting pod loading large answers (a recorded answer may reach 8 MB) for longer than its
    // command timeout, with bytes arriving all along: a timeout per command took it for a hang and
    // loaded nothing. The load goes through a link that passes 32 KB every 25 ms (about 2 s for the
    // 2.5 MB here, however fast the machine), not through 110 MB read at full speed against a 300 ms
    // timeout: on a loaded machine one stall of the event loop (ioredis parsing 2 MB replies, GC)
    // outlasted 300 ms with bytes waiting, and the pod loaded 0 of 40 (2 of 2 loaded runs).
    const big = 'y'.repeat(256 * 1024);
    for (let i = 0; i < 10; i++) await a.cache.store(key, vec(i), answer(`${i} ${big}`));
    const link = await slowLink(new URL(url), 32 * 1024, 25);
    warnings.length = 0;
    const t0 = Date.now();
    const b = await pod(link.url, prefix, 1000);
    try {
      expect(b.connected).toBe(true);
      expect(b.cache.size()).toBe(10);
      expect(Date.now() - t0).toBeGreaterThan(1000);
      // Closing a pod (shutdown, a reload that replaced the cache) is no lost connection either.
      await b.cache.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(warnings.map((w) => `${w.msg} ${String(w.obj.err ?? '')}`)).toEqual([]);
      expect(b.metrics.render().split('\n').filter((l) => /^llm_cache_backend_errors_total/.test(l))).toEqual([]);
    } finally {
      await link.close();
    }
  });
});

/** A TCP link to Redis that passes what Redis sends `bytes` at a time, one piece every `everyMs`. */
async function slowLink(redis: URL, bytes: number, everyMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(redis.port), redis.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream);
    let queued = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    const pass = () => {
      timer = undefined;
      client.write(queued.subarray(0, bytes));
      queued = queued.subarray(bytes);
      if (queued.length) timer = setTimeout(pass, everyMs);
    };
    upstream.on('data', (d: Buffer) => {
      queued = Buffer.concat([queued, d]);
      timer ??= setTimeout(pass, everyMs);
    });
    upstream.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
