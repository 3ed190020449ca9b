// A resync that fails while the backend is up (Redis flapping during it, a load error) is retried
// with a bounded, doubling delay, so what was stored locally during the outage reaches the backend
// without waiting for the next reconnect; said once when it fails, once when it succeeds; counted;
// no two resyncs at once; nothing runs after close().
import { describe, expect, it, vi } from 'vitest';
import { MemoryCache } from '../../src/cache/memory-cache.ts';
import { SyncedCache } from '../../src/cache/synced-cache.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { CacheBackend, CacheBackendListener, CacheEntry } from '../../src/cache/backend.ts';

const key = { requestedModel: 'MoM', scope: 'global' };
const vec = (seed: number) => Float32Array.from({ length: 16 }, (_, i) => Math.sin(seed * 31 + i));
const answer = (t: string) => ({ completion: { id: t, object: 'chat.completion', choices: [] }, model: 'm', createdMs: 0 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A backend that is down (publishes fail) until `up`, and whose next `loadFailures` loads fail. */
function flakyBackend() {
  const state = { up: true, loadFailures: 0, loads: 0, inLoad: 0, maxInLoad: 0, published: [] as string[], listener: undefined as CacheBackendListener | undefined };
  const backend: CacheBackend = {
    name: 'fake',
    load: async () => {
      state.loads++;
      state.inLoad++;
      state.maxInLoad = Math.max(state.maxInLoad, state.inLoad);
      await sleep(5);
      state.inLoad--;
      if (state.loadFailures > 0) {
        state.loadFailures--;
        throw new Error('Connection is closed.');
      }
      return [];
    },
    subscribe: async (l) => void (state.listener = l),
    publishAdd: async (e) => {
      if (!state.up) throw new Error('Stream isn\'t writeable and enableOfflineQueue options is false');
      state.published.push(e.id);
    },
    publishRemove: async () => {},
    healthy: () => state.up,
    close: async () => {},
  };
  return { backend, state };
}

async function setup() {
  const { backend, state } = flakyBackend();
  const logs: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const log = (level: string) => (obj: object, msg?: string) => void logs.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  const logger = { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };
  const metrics = createMetrics();
  const local = new MemoryCache({ maxEntries: 100, eviction: 'fifo', ttlSeconds: 0 });
  const cache = new SyncedCache(local, backend, logger, metrics, { resyncRetryMs: { first: 40, max: 160 } });
  await cache.start();
  // An outage: two entries stored meanwhile stay local and pending.
  state.up = false;
  await cache.store(key, vec(1), answer('one'));
  await cache.store(key, vec(2), answer('two'));
  expect(cache.unpublished()).toBe(2);
  state.up = true;
  logs.length = 0;
  return { cache, state, logs, metrics };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await sleep(5);
  }
}

const resyncErrors = async (metrics: ReturnType<typeof createMetrics>) =>
  Number((await metrics.render()).match(/llm_cache_backend_errors_total\{[^}]*operation="resync"[^}]*\} (\d+)/)?.[1] ?? 0);

describe('SyncedCache: a failed resync is retried', () => {
  it('publishes what waited once the backend answers again, without another reconnect', async () => {
    const { cache, state, logs, metrics } = await setup();
    // The reconnect's resync: the publishes go through, the load fails (Redis flapped during it).
    state.loadFailures = 3;
    state.up = false; // the first publish of the resync fails too
    const first = cache.resync();
    state.up = true;
    await first;
    expect(cache.unpublished()).toBeGreaterThan(0);
    // No reconnect comes; the retries (40, 80, 160 ms) get through after the third failure.
    await until(() => cache.unpublished() === 0 && state.loadFailures === 0 && logs.some((l) => l.level === 'info'), 2000);
    expect(state.published.sort()).toHaveLength(2);
    expect(state.loads).toBe(1 + 3 + 1); // start, the three that failed, the one that succeeded (the first resync failed publishing)
    expect(state.maxInLoad).toBe(1);
    const warned = logs.filter((l) => l.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0].msg).toMatch(/resync .*failed/);
    expect(warned[0].obj).toMatchObject({ backend: 'fake', retry_in_ms: 40 });
    const ok = logs.filter((l) => l.level === 'info');
    expect(ok).toHaveLength(1);
    expect(ok[0].obj).toMatchObject({ failed_attempts: 4 });
    expect(await resyncErrors(metrics)).toBe(4);
    await cache.close();
  });

  it('the delay doubles up to its bound', async () => {
    const { cache, state } = await setup();
    state.loadFailures = 1000;
    const times: number[] = [];
    const load = cache['backend'].load.bind(cache['backend']);
    (cache['backend'] as CacheBackend).load = () => (times.push(Date.now()), load());
    // The delays the cache asks its timers for (this file's own waits are 5 ms): the bound is read
    // there, not from the gaps' wall-clock length, which a timer firing late on a loaded box
    // stretched past any margin (the gaps were checked < 280 ms for a 160 ms delay).
    const real = globalThis.setTimeout;
    const asked: number[] = [];
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if ((ms ?? 0) > 5) asked.push(ms!);
      return real(fn, ms);
    }) as typeof setTimeout);
    try {
      await cache.resync();
      await until(() => times.length >= 6, 3000);
    } finally {
      spy.mockRestore();
    }
    await cache.close();
    expect(asked.slice(0, 5)).toEqual([40, 80, 160, 160, 160]);
    // And the retries waited for them (a timer never fires early), plus the 5 ms load each.
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(40);
    expect(gaps[1]).toBeGreaterThanOrEqual(80);
    expect(gaps[2]).toBeGreaterThanOrEqual(160);
    expect(gaps[3]).toBeGreaterThanOrEqual(160);
    expect(gaps[4]).toBeGreaterThanOrEqual(160);
  });

  it('stops on close()', async () => {
    const { cache, state } = await setup();
    state.loadFailures = 1000;
    await cache.resync();
    const loads = state.loads;
    await cache.close();
    await sleep(300);
    expect(state.loads).toBe(loads);
  });

  it('waits for the reconnect instead while the backend is down', async () => {
    const { cache, state } = await setup();
    state.loadFailures = 1;
    await cache.resync();
    state.up = false; // the connection dropped: the reconnect will resync
    const loads = state.loads;
    await sleep(200);
    expect(state.loads).toBe(loads);
    state.up = true;
    state.listener!.onReconnect();
    await until(() => cache.unpublished() === 0, 1000);
    await cache.close();
  });

  it('a load that fails at start is retried while connected', async () => {
    const { backend, state } = flakyBackend();
    state.loadFailures = 1;
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const local = new MemoryCache({ maxEntries: 100, eviction: 'fifo', ttlSeconds: 0 });
    const cache = new SyncedCache(local, backend, quiet, undefined, { resyncRetryMs: { first: 40, max: 160 } });
    await cache.start();
    expect(state.loads).toBe(1);
    await until(() => state.loads === 2, 1000);
    await cache.close();
  });
});
