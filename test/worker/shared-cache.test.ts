// The shared semantic cache of the Worker inside workerd: the SemanticCacheStore Durable Object from
// runtimes/worker/wrangler.jsonc (miniflare runs it locally), two isolates' caches over one binding,
// TTL, eviction, and an unreachable object degrading to the in-isolate cache without errors.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { PulledCache } from '../../runtimes/worker/cache.ts';
import type { CacheStoreNamespace, CacheStoreStub } from '../../runtimes/worker/do-cache-backend.ts';
import { cacheYaml } from './cache-config.ts';
import { answer, base, cacheOver, contentOf, key, ns, stubOf, unit, until } from './shared-cache-rig.ts';

describe('shared semantic cache through the SemanticCacheStore Durable Object', () => {
  it('an answer cached by one isolate is a hit for another (full request path, JSON then SSE)', async () => {
    const name = `e2e-${crypto.randomUUID()}`;
    // Two app instances (distinct config text -> distinct caches) stand for two isolates.
    const envA: WorkerEnv = { ...base, SEMROUTE_CONFIG: cacheYaml(name) };
    const envB: WorkerEnv = { ...base, SEMROUTE_CONFIG: `${cacheYaml(name)}\n# isolate B\n` };
    const ask = async (e: WorkerEnv, stream: boolean, content = 'Which river flows through Vienna, Budapest and Belgrade?', extra: Record<string, string> = {}) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request('https://semroute.test/v1/chat/completions', {
        method: 'POST', headers: { 'content-type': 'application/json', ...extra },
        body: JSON.stringify({ model: 'MoM', stream, messages: [{ role: 'user', content }] }),
      }), e, ctx);
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      return { res, text };
    };
    const first = await ask(envA, false);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('x-vsr-cache-hit')).toBeNull();
    await until('the store to reach the object', async () => (await stubOf(name).changes(0)).adds.length === 1);
    // Isolate B (started now, it loads the object) has answered this client once: a hit goes to
    // credentials the upstream accepted (src/cache/credentials.ts).
    expect((await ask(envB, false, 'How many moons does Mars have?', { 'x-vsr-cache-control': 'no-store' })).res.status).toBe(200);
    const onB = await ask(envB, false);
    expect(onB.res.headers.get('x-vsr-cache-hit')).toBe('true');
    expect(Number(onB.res.headers.get('x-vsr-cache-similarity'))).toBeGreaterThan(0.999);
    expect(JSON.parse(onB.text).choices[0].message.content).toBe(JSON.parse(first.text).choices[0].message.content);
    const streamedOnB = await ask(envB, true);
    expect(streamedOnB.res.headers.get('x-vsr-cache-hit')).toBe('true');
    expect(streamedOnB.text.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('two running caches: stores and evictions reach the other on its next pull; scopes stay apart', async () => {
    const name = `pair-${crypto.randomUUID()}`;
    const a = await cacheOver(name, undefined, 'max_entries: 2');
    const b = await cacheOver(name, undefined, 'max_entries: 2');
    expect(a.cache).toBeInstanceOf(PulledCache);
    await a.cache.store(key, unit(0), answer('zero'));
    expect(await b.cache.lookup(key, unit(0), 0.9)).toBeUndefined();
    await b.cache.backend.pull(true);
    const hit = await b.cache.lookup(key, unit(0), 0.9);
    expect(contentOf(hit?.answer)).toBe('zero');
    expect(hit!.similarity).toBeCloseTo(1, 6);
    expect(await b.cache.lookup({ ...key, scope: 'user-b' }, unit(0), 0.9)).toBeUndefined();
    expect(await b.cache.lookup({ ...key, requestedModel: 'qwen3' }, unit(0), 0.9)).toBeUndefined();
    // A third store on A evicts the oldest (fifo, max 2); B drops it too.
    await a.cache.store(key, unit(1), answer('one'));
    await a.cache.store(key, unit(2), answer('two'));
    await b.cache.backend.pull(true);
    expect(await b.cache.lookup(key, unit(0), 0.9)).toBeUndefined();
    expect(contentOf((await b.cache.lookup(key, unit(2), 0.9))?.answer)).toBe('two');
    expect(b.cache.size()).toBe(2);
    expect([...a.warnings, ...b.warnings]).toEqual([]);
  });

  it('an isolate that started on an empty object learns that its own entry was removed elsewhere', async () => {
    const name = `empty-start-${crypto.randomUUID()}`;
    const a = await cacheOver(name);
    await a.cache.store(key, unit(6), answer('evicted elsewhere'));
    const [stored] = (await stubOf(name).changes(0)).adds;
    // Another isolate's eviction, as its publishRemove sends it.
    await stubOf(name).remove([stored!.id]);
    await a.cache.backend.pull(true);
    expect(await a.cache.lookup(key, unit(6), 0.9)).toBeUndefined();
  });

  it('TTL: an expired entry is a miss in every isolate and is not loaded by new ones', async () => {
    const name = `ttl-${crypto.randomUUID()}`;
    const a = await cacheOver(name, undefined, 'ttl_seconds: 1');
    await a.cache.store(key, unit(3), answer('short-lived'));
    const b = await cacheOver(name, undefined, 'ttl_seconds: 1');
    expect(contentOf((await b.cache.lookup(key, unit(3), 0.9))?.answer)).toBe('short-lived');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await a.cache.lookup(key, unit(3), 0.9)).toBeUndefined();
    expect(await b.cache.lookup(key, unit(3), 0.9)).toBeUndefined();
    const c = await cacheOver(name, undefined, 'ttl_seconds: 1');
    expect(c.cache.size()).toBe(0);
    expect((await stubOf(name).changes(0)).adds).toEqual([]);
  });

  it('an unreachable object degrades to the in-isolate cache without errors, and resyncs when it is back', async () => {
    const name = `down-${crypto.randomUUID()}`;
    let down = true;
    const failing: CacheStoreStub = {
      add: () => Promise.reject(new Error('Durable Object reset because its code was updated.')),
      remove: () => Promise.reject(new Error('Durable Object reset')),
      addUses: () => Promise.reject(new Error('Durable Object reset')),
      changes: () => Promise.reject(new Error('Durable Object reset')),
    };
    const flaky: CacheStoreNamespace = { idFromName: (n) => ns.idFromName(n), get: (id) => (down ? failing : ns.get(id)) };
    const a = await cacheOver(name, { SEMROUTE_CACHE: flaky });
    const b = await cacheOver(name);
    await a.cache.store(key, unit(4), answer('kept locally'));
    expect(contentOf((await a.cache.lookup(key, unit(4), 0.9))?.answer)).toBe('kept locally');
    await a.cache.backend.pull(true);
    expect(a.cache.backend.healthy()).toBe(false);
    expect(a.warnings).toContain('semantic cache backend unavailable; serving from the local cache');
    expect(a.errors.length).toBeGreaterThan(0);
    await b.cache.backend.pull(true);
    expect(await b.cache.lookup(key, unit(4), 0.9)).toBeUndefined();
    // Back: the next pull notices, republishes what was stored meanwhile, and B sees it.
    down = false;
    await a.cache.backend.pull(true);
    await a.cache.synced.resync();
    expect(a.cache.backend.healthy()).toBe(true);
    await b.cache.backend.pull(true);
    expect(contentOf((await b.cache.lookup(key, unit(4), 0.9))?.answer)).toBe('kept locally');
  });

  it('no namespace under the configured binding: in-isolate cache with a warning', async () => {
    const a = await cacheOver(`none-${crypto.randomUUID()}`, {});
    expect(a.cache).not.toBeInstanceOf(PulledCache);
    expect(a.warnings.join('\n')).toMatch(/no Durable Object namespace bound/);
    await a.cache.store(key, unit(5), answer('local'));
    expect(contentOf((await a.cache.lookup(key, unit(5), 0.9))?.answer)).toBe('local');
  });
});
