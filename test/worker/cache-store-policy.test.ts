// The SemanticCacheStore Durable Object trims to max_entries by the cache's eviction policy, with the
// hits isolates send it (runtimes/worker/cache-store.ts addUses): under lru / lfu an entry some
// isolate keeps using outlives one nobody asked for. Driven through the DO binding in workerd.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SemanticCacheStore } from '../../runtimes/worker/cache-store.ts';
import type { CacheStoreStub } from '../../runtimes/worker/do-cache-backend.ts';
import type { StoreEntry } from '../../runtimes/worker/cache-store.ts';
import { stubOf } from './shared-cache-rig.ts';

const entry = (id: string): StoreEntry => ({
  id, origin: 'test', model: 'MoM', scope: 'global', expiresAtMs: 0, vector: new Float32Array([1, 0, 0, 0]).buffer,
  answer: JSON.stringify({ completion: { object: 'chat.completion', choices: [] }, model: 'qwen3', createdMs: 0 }),
});
// workerd's clock moves only across I/O: a short timer makes the next use a later millisecond.
const tick = () => new Promise((r) => setTimeout(r, 5));
const liveIds = async (s: CacheStoreStub) => (await s.changes(0)).adds.map((a) => a.id).sort();

describe('the store trims by the eviction policy', () => {
  for (const policy of ['lru', 'lfu'] as const) {
    it(`${policy}: an entry used since it was stored survives the trim; the oldest unused one goes`, async () => {
      const s = stubOf(`policy-${policy}-${crypto.randomUUID()}`);
      await s.add([entry('E')], 3, policy);
      await tick();
      await s.add([entry('X')], 3, policy);
      await tick();
      await s.add([entry('Y')], 3, policy);
      const { cursor } = await s.changes(0);
      await tick();
      await s.addUses([{ id: 'E', hits: 2, usedMs: Date.now() }]);
      expect(await s.add([entry('N')], 3, policy)).toBe(3);
      expect(await liveIds(s)).toEqual(['E', 'N', 'Y']);
      // Logged as a removal, so the isolates drop it on their next pull; the use is listed as totals.
      const after = await s.changes(cursor);
      expect(after.removes).toEqual(['X']);
      expect(after.uses?.find((u) => u.id === 'E')?.hits).toBe(2);
    });
  }

  it('lfu: the newcomer is never its own batch\'s victim, though it has no hits yet', async () => {
    const s = stubOf(`newcomer-${crypto.randomUUID()}`);
    await s.add([entry('A'), entry('B')], 2, 'lfu');
    await s.addUses([{ id: 'A', hits: 2, usedMs: Date.now() }, { id: 'B', hits: 1, usedMs: Date.now() }]);
    await s.add([entry('N')], 2, 'lfu');
    expect(await liveIds(s)).toEqual(['A', 'N']);
  });

  it('fifo: hits change nothing, the oldest stored goes', async () => {
    const s = stubOf(`fifo-${crypto.randomUUID()}`);
    await s.add([entry('E'), entry('X')], 2, 'fifo');
    await s.addUses([{ id: 'E', hits: 5, usedMs: Date.now() }]);
    await s.add([entry('N')], 2, 'fifo');
    expect(await liveIds(s)).toEqual(['N', 'X']);
  });

  it('a load carries each entry\'s hits and last use; uses of entries it no longer holds leave nothing behind', async () => {
    const s = stubOf(`load-${crypto.randomUUID()}`);
    await s.add([entry('E'), entry('X')], 2, 'lfu');
    const t = Date.now() + 1000;
    await s.addUses([{ id: 'E', hits: 3, usedMs: t }, { id: 'gone', hits: 9, usedMs: t }]);
    await s.addUses([{ id: 'E', hits: 1, usedMs: t - 500 }]);
    const { adds } = await s.changes(0);
    const e = adds.find((a) => a.id === 'E')!;
    // lfu adds the hits; the last use keeps the later time.
    expect([e.hits, e.usedMs]).toEqual([4, t]);
    expect(adds.find((a) => a.id === 'X')!.hits).toBe(0);
    expect(adds.map((a) => a.id).sort()).toEqual(['E', 'X']);
  });

  it('an object whose table predates the use columns gains them and keeps its entries; a restart changes nothing', async () => {
    const s = stubOf(`migrate-${crypto.randomUUID()}`);
    await runInDurableObject(s as never, (_o: unknown, state: { storage: { sql: { exec(q: string, ...b: unknown[]): unknown } } }) => {
      const sql = state.storage.sql;
      sql.exec('DROP TABLE entries');
      sql.exec(`CREATE TABLE entries (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, origin TEXT, model TEXT, scope TEXT,
        context TEXT, expires INTEGER NOT NULL, vector BLOB NOT NULL, answer TEXT NOT NULL)`);
      const e = entry('old');
      sql.exec('INSERT INTO entries VALUES (?, 1, ?, ?, ?, NULL, 0, ?, ?)', e.id, e.origin, e.model, e.scope, e.vector, e.answer);
      // The object as it starts after a deploy, then once more (columns there already).
      new SemanticCacheStore(state as never, env);
      new SemanticCacheStore(state as never, env);
    });
    await s.add([entry('new')], 2, 'lfu');
    await s.addUses([{ id: 'old', hits: 2, usedMs: Date.now() }]);
    await s.add([entry('N')], 2, 'lfu');
    const { adds } = await s.changes(0);
    expect(adds.map((a) => [a.id, a.hits]).sort()).toEqual([['N', 0], ['old', 2]]);
  });
});
