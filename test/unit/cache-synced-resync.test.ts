// SyncedCache.resync against a backend whose load() is held open, so events and local stores can
// land while the snapshot is in flight (what a loaded machine does to the Redis test: the pub/sub
// message of another pod's store is read before the ZRANGE reply of a snapshot taken earlier).
// Nothing that arrived after the snapshot may be dropped, and nothing removed meanwhile may return.
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/cache/memory-cache.ts';
import { SyncedCache } from '../../src/cache/synced-cache.ts';
import type { CacheBackend, CacheBackendListener, CacheEntry } from '../../src/cache/backend.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const key = { requestedModel: 'MoM', scope: 'global' };
const vec = (seed: number) => Float32Array.from({ length: 16 }, (_, i) => Math.sin(seed * 31 + i));
const answer = (t: string) => ({ completion: { id: t, object: 'chat.completion', choices: [] }, model: 'm', createdMs: 0 });
const entry = (id: string, seed: number): CacheEntry => ({ id, key, vector: vec(seed), answer: answer(id), expiresAtMs: 0 });

/** A backend whose load() waits until the test releases it; publishes succeed. */
function heldBackend() {
  let listener!: CacheBackendListener;
  let release: ((e: CacheEntry[]) => void) | undefined;
  const published: string[] = [];
  const loads: Array<Promise<CacheEntry[]>> = [];
  const backend: CacheBackend = {
    name: 'fake',
    load: () => {
      const p = new Promise<CacheEntry[]>((r) => (release = r));
      loads.push(p);
      return p;
    },
    subscribe: async (l) => void (listener = l),
    publishAdd: async (e) => void published.push(e.id),
    publishRemove: async () => {},
    healthy: () => true,
    close: async () => {},
  };
  return {
    backend,
    published,
    listener: () => listener,
    release: (e: CacheEntry[]) => release!(e),
    loads,
  };
}

async function started(now?: () => number) {
  const b = heldBackend();
  const local = new MemoryCache({ maxEntries: 100, eviction: 'fifo', ttlSeconds: 0, now });
  const cache = new SyncedCache(local, b.backend, quiet);
  const starting = cache.start();
  await Promise.resolve();
  b.release([]);
  await starting;
  return { b, local, cache };
}

describe('SyncedCache.resync', () => {
  it('keeps an entry another pod published while the snapshot was in flight', async () => {
    const { b, local, cache } = await started();
    const resync = cache.resync();
    b.listener().onAdd(entry('late', 1)); // the event is read before the (older) snapshot's reply
    b.release([]);
    await resync;
    expect(local.has('late')).toBe(true);
    expect(await cache.lookup(key, vec(1), 0.99)).toBeDefined();
  });

  it('keeps an entry stored locally while the snapshot was in flight', async () => {
    const { b, local, cache } = await started();
    const resync = cache.resync();
    await cache.store(key, vec(2), answer('mine'));
    b.release([]);
    await resync;
    expect(local.size()).toBe(1);
    expect(b.published).toHaveLength(1);
  });

  it('does not bring back an entry another pod removed while the snapshot was in flight', async () => {
    const { b, local, cache } = await started();
    const resync = cache.resync();
    const gone = entry('gone', 3);
    b.listener().onRemove(['gone']);
    b.release([gone]); // the snapshot still lists it
    await resync;
    expect(local.has('gone')).toBe(false);
  });

  it('still drops local entries the backend no longer has (missed removals during an outage)', async () => {
    const { b, local, cache } = await started();
    local.put(entry('stale', 4));
    const resync = cache.resync();
    b.release([entry('kept', 5)]);
    await resync;
    expect(local.has('stale')).toBe(false);
    expect(local.has('kept')).toBe(true);
  });

  it('does not keep a snapshot entry whose deadline is now; keeps one due a millisecond later', async () => {
    // Another pod's entry can reach this one at its deadline exactly (a snapshot read late): it has
    // expired, as lookups count it, so storing it would only hold dead weight until a sweep.
    const { b, local, cache } = await started(() => 50_000);
    const resync = cache.resync();
    b.release([{ ...entry('due', 7), expiresAtMs: 50_000 }, { ...entry('live', 8), expiresAtMs: 50_001 }]);
    await resync;
    expect(local.has('due')).toBe(false);
    expect(local.has('live')).toBe(true);
    expect(local.size()).toBe(1);
  });

  it('a reconnect during a resync runs another one after it (its snapshot may predate the reconnect)', async () => {
    const { b, local, cache } = await started();
    const first = cache.resync();
    const second = cache.resync(); // e.g. the connection flapped while the first was loading
    b.release([]);
    await new Promise((r) => setTimeout(r, 0));
    expect(b.loads.length).toBe(3); // start + first + the rerun
    b.release([entry('after', 6)]);
    await Promise.all([first, second]);
    expect(local.has('after')).toBe(true);
  });
});
