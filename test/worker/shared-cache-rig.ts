// What the workerd tests of the shared cache (the SemanticCacheStore Durable Object) share: the
// object by name, caches built as an isolate builds them (createWorkerCache) with a recording
// logger and metrics, answers and unit vectors to store, and a polling wait.
import { env } from 'cloudflare:test';
import type { WorkerEnv } from '../../runtimes/worker/index.ts';
import { createWorkerCache, type PulledCache } from '../../runtimes/worker/cache.ts';
import type { CacheStoreNamespace, CacheStoreStub } from '../../runtimes/worker/do-cache-backend.ts';
import { cacheYaml } from './cache-config.ts';
import { loadConfigText } from '../../src/config/index.ts';
import type { CachedAnswer, CacheKeyScope } from '../../src/cache/types.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';

export const base = env as unknown as WorkerEnv;
export const ns = base.SEMROUTE_CACHE as CacheStoreNamespace;
export const stubOf = (name: string) => ns.get(ns.idFromName(name) as never) as CacheStoreStub;

export function recorder() {
  const warnings: string[] = [];
  const errors: Array<{ name: string; labels?: Record<string, string> }> = [];
  const logger: Logger = { debug() {}, info() {}, warn: (_o, msg) => warnings.push(msg ?? ''), error: (_o, msg) => warnings.push(msg ?? '') };
  const metrics: Metrics = {
    inc: (name, labels) => { if (name === 'llm_cache_backend_errors_total') errors.push({ name, labels: labels as Record<string, string> }); },
    observe() {}, set() {}, render: () => '',
  };
  return { logger, metrics, warnings, errors };
}

/** An isolate's cache over the object `objectName` (extra: YAML merged into semantic_cache). */
export async function cacheOver(objectName: string, bindings: Record<string, unknown> = base as unknown as Record<string, unknown>, extra = '') {
  const { config } = loadConfigText(cacheYaml(objectName, extra), 'test');
  const rec = recorder();
  const cache = await createWorkerCache(config, { bindings, logger: rec.logger, metrics: rec.metrics });
  return { cache: cache as PulledCache, ...rec };
}

export const key: CacheKeyScope = { requestedModel: 'MoM', scope: 'global' };
export const answer = (text: string): CachedAnswer => ({
  completion: { object: 'chat.completion', model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] },
  model: 'qwen3', createdMs: Date.now(),
});
export const unit = (i: number, dim = 8) => {
  const v = new Float32Array(dim);
  v[i % dim] = 1;
  return v;
};
export const contentOf = (a: CachedAnswer | undefined) => (a?.completion as { choices: Array<{ message: { content: string } }> } | undefined)?.choices[0]!.message.content;

export async function until(what: string, cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
