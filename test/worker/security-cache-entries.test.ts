// A malformed entry in the SemanticCacheStore Durable Object (another version's format, a cut
// write) holds a cached question and answer. Reading it must neither stop the isolate's cache from
// syncing nor put its text in a log line (a JSON parser's message quotes the text it failed on).
// Inside workerd with the real Durable Object: the bad entry is written through the object's RPC,
// a good one beside it, then an isolate's cache loads and pulls.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { WorkerEnv } from '../../runtimes/worker/index.ts';
import { createWorkerCache, type PulledCache } from '../../runtimes/worker/cache.ts';
import type { CacheStoreNamespace, CacheStoreStub } from '../../runtimes/worker/do-cache-backend.ts';
import type { StoreEntry } from '../../runtimes/worker/cache-store.ts';
import { cacheYaml } from './cache-config.ts';
import { loadConfigText } from '../../src/config/index.ts';
import type { Logger } from '../../src/observability/types.ts';

const EMAIL = 'zq.canary.8082@leakcheck.example';
const base = env as unknown as WorkerEnv;
const ns = base.SEMROUTE_CACHE as CacheStoreNamespace;
const stubOf = (name: string) => ns.get(ns.idFromName(name) as never) as CacheStoreStub;

const entry = (id: string, answer: string, dim = 8): StoreEntry => {
  const v = new Float32Array(dim);
  v[id.length % dim] = 1;
  return { id, origin: 'another-isolate', model: 'MoM', scope: 'global', expiresAtMs: 0, vector: v.buffer, answer };
};
const good = JSON.stringify({ completion: { object: 'chat.completion', model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }] }, model: 'qwen3', createdMs: 1 });

describe('a malformed Durable Object cache entry', () => {
  // Was a leak and a stuck cache: fromStore's JSON.parse threw, load() failed on every resync, and
  // the warning carried the SyntaxError's message with the entry's text.
  it('is skipped on load and pull; the good entries sync; no log line holds its text', async () => {
    const name = `sec-${crypto.randomUUID()}`;
    const lines: Array<Record<string, unknown>> = [];
    const at = (obj: object, msg?: string) => void lines.push({ ...obj, msg });
    const logger: Logger = { debug: at, info: at, warn: at, error: at };
    await stubOf(name).add([entry('bad-1', `{"question":${EMAIL}`), entry('good-1', good)], 100);
    const { config } = loadConfigText(cacheYaml(name), 'test');
    const cache = (await createWorkerCache(config, { bindings: base as unknown as Record<string, unknown>, logger })) as PulledCache;
    try {
      expect(cache.size()).toBe(1);
      // A pull brings another bad one and another good one.
      await stubOf(name).add([entry('bad-2', `{"answer":${EMAIL}`), entry('good-22', good)], 100);
      await cache.backend.pull(true);
      expect(cache.size()).toBe(2);
      expect(cache.backend.healthy()).toBe(true);
    } finally {
      await cache.close();
    }
    expect(JSON.stringify(lines)).not.toContain(EMAIL);
    expect(lines.filter((l) => l.level === 'warn' || /unavailable|failed/.test(String(l.msg)))).toEqual([]);
  });
});
