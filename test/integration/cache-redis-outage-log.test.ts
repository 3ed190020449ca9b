// A Redis outage in the log: said once when it starts (by the backend: unreachable at start, lost),
// not again by the first failed store, then a reminder every 5 minutes with the count of failed
// operations, not a line every 10 s for as long as it lasts; a success ends it, so the next outage
// is said at once. A real redis-server that goes away and comes back; the clock of the warnings is
// the test's, so minutes pass in milliseconds.
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { MemoryCache } from '../../src/cache/memory-cache.ts';
import { SyncedCache } from '../../src/cache/synced-cache.ts';
import { RedisBackend } from '../../runtimes/node/redis-backend.ts';
import { freePort, startRedis } from '../setup/redis.ts';
import type { Logger } from '../../src/observability/types.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { answer, cacheKey, until, vec } from './helpers/redis-pods.ts';

const warnings: Array<{ msg: string; obj: Record<string, unknown> }> = [];
const logger: Logger = { debug() {}, info() {}, warn: (o, m) => void warnings.push({ msg: m ?? '', obj: o as Record<string, unknown> }), error() {} };
const unavailable = () => warnings.filter((w) => /backend (still )?unavailable/.test(w.msg));

let server: ChildProcess | undefined;
let cache: SyncedCache | undefined;
afterAll(async () => {
  await cache?.close();
  server?.kill('SIGKILL');
});

describe('a Redis outage in the log', () => {
  it('one warning when it starts, a reminder with the count after 5 minutes, and one again for the next outage', async () => {
    const bin = inject('redisBin');
    const port = await freePort();
    let clock = 1_000_000;
    const metrics = createMetrics();
    const local = new MemoryCache({ maxEntries: 1000, eviction: 'fifo', ttlSeconds: 3600, metrics, backendLabel: 'redis' });
    const backend = new RedisBackend({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'log:', connectTimeoutMs: 500, logger, metrics });
    cache = new SyncedCache(local, backend, logger, metrics, { now: () => clock });
    expect(await backend.connect()).toBe(false);
    void cache.start();

    let n = 0;
    const stores = async (count: number) => {
      for (let i = 0; i < count; i++) await cache!.store(cacheKey, vec(n++), answer(`a ${n}`));
    };
    await stores(20);
    // Before: 'backend unavailable' too, from the first failed store, for the same outage.
    expect(warnings.map((w) => w.msg)).toEqual(['semantic cache: Redis unreachable at start; serving local-only and retrying']);
    // A minute of the outage: before 2026-12-07, a warning every 10 s (6 more).
    for (let s = 0; s < 6; s++) {
      clock += 10_001;
      await stores(5);
    }
    expect(warnings).toHaveLength(1);
    clock += 5 * 60_000;
    await stores(1);
    const said = unavailable();
    expect(said).toHaveLength(1);
    expect(said[0].msg).toMatch(/still unavailable/);
    expect(said[0].obj).toMatchObject({ backend: 'redis', failed: 51, since_s: 360, err: 'Redis is not connected' });

    // Redis comes (back): the resync publishes what waited, the outage is over.
    server = await startRedis(bin, port);
    await until(() => backend.healthy(), 5000);
    await stores(1);
    await until(() => cache!.unpublished() === 0, 5000);
    server.kill('SIGKILL');
    await until(() => !backend.healthy(), 3000);
    clock += 1000;
    await stores(3);
    // The next outage is said at once, once: by the backend as the connection goes.
    expect(warnings.filter((w) => /lost Redis/.test(w.msg))).toHaveLength(1);
    expect(unavailable()).toHaveLength(1);
  });
});
