// MemoryCache's byte bound (semantic_cache.max_memory_mb): evicts by the policy before inserting,
// never the newcomer (lfu would pick it: no hits yet), gives back the room of entries removed,
// expired or replaced, and refuses an entry larger than the whole bound.
import { describe, expect, it } from 'vitest';
import { MemoryCache, entryBytes } from '../../src/cache/memory-cache.ts';
import type { CachedAnswer } from '../../src/cache/types.ts';
import { questionSignature } from '../../src/cache/word-order.ts';

const vec = (seed: number) => Float32Array.from({ length: 16 }, (_, i) => Math.sin(seed * 997 + i * 13.1));
const key = { requestedModel: 'm', scope: 'global' };
const answer = (chars: number): CachedAnswer => ({ completion: { choices: [{ message: { content: 'x'.repeat(chars) } }] }, model: 'm', createdMs: 0 });
const one = entryBytes({ id: 'a', key, vector: vec(0), answer: answer(1000), expiresAtMs: 0 });

describe('entryBytes', () => {
  it("counts the question's signature: two entries that differ in it alone are estimated apart", () => {
    const sig = questionSignature(`please explain ${'how green plants turn light into sugar and '.repeat(4)}why`);
    const bare = entryBytes({ id: 'a', key, vector: vec(0), answer: answer(100), expiresAtMs: 0 });
    const signed = entryBytes({ id: 'a', key, vector: vec(0), answer: { ...answer(100), ...sig }, expiresAtMs: 0 });
    // Each kept hash is a double in a V8 array: 8 bytes at the least.
    expect(signed - bare).toBeGreaterThanOrEqual(8 * (sig.order.length + sig.stems.length));
  });
});

describe('MemoryCache maxBytes', () => {
  it.each(['fifo', 'lru', 'lfu'] as const)('%s: holds what fits, evicts the policy\'s victim, keeps the newcomer', async (eviction) => {
    let now = 1000;
    const c = new MemoryCache({ maxEntries: 100, eviction, ttlSeconds: 0, maxBytes: one * 3, now: () => now });
    for (let i = 0; i < 3; i++) await c.store(key, vec(i), answer(1000));
    // Used entries are worth keeping under lru / lfu.
    for (let i = 1; i < 3; i++) expect(await c.lookup(key, vec(i), 0.99)).toBeDefined();
    await c.store(key, vec(3), answer(1000));
    expect(c.size()).toBe(3);
    expect(await c.lookup(key, vec(3), 0.99), 'the newcomer').toBeDefined();
    expect(await c.lookup(key, vec(0), 0.99), 'the oldest, unused').toBeUndefined();
    now += 1;
  });

  it('removed and expired entries give their room back; an entry larger than the bound is not stored', async () => {
    let now = 1000;
    const c = new MemoryCache({ maxEntries: 100, eviction: 'fifo', ttlSeconds: 10, maxBytes: one * 2, now: () => now });
    await c.store(key, vec(0), answer(1000));
    await c.store(key, vec(1), answer(1000));
    const [first] = c.entries();
    c.remove([first!.id]);
    await c.store(key, vec(2), answer(1000));
    expect(c.size()).toBe(2);
    now += 20_000; // both expire; the sweep on the next lookup drops them
    await c.lookup(key, vec(9), 0.99);
    expect(c.size()).toBe(0);
    await c.store(key, vec(3), answer(1000));
    await c.store(key, vec(4), answer(1000));
    expect(c.size()).toBe(2);
    await c.store(key, vec(5), answer(3000));
    expect(c.size()).toBe(2);
    expect(await c.lookup(key, vec(5), 0.99)).toBeUndefined();
  });
});
