// semantic_cache.max_memory_mb defaults to 256 MB, above the 128 MB a Worker isolate has: the bound
// did not protect a Worker, whose cache could fill the isolate until it was killed. The Worker caps
// the cache at WORKER_CACHE_MAX_MB (runtimes/worker/cache-bound.ts); a smaller value is honoured.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createWorkerCache } from '../../runtimes/worker/cache.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';
import { loadConfigText } from '../../src/config/index.ts';
import type { CachedAnswer, CacheKeyScope } from '../../src/cache/types.ts';
import type { Logger } from '../../src/observability/types.ts';

/** The bundled config with the in-isolate cache on; `cache` overrides its semantic_cache keys. */
function configWith(cache: Record<string, unknown>) {
  const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, Record<string, unknown>>;
  doc.semantic_cache = { ...doc.semantic_cache, enabled: true, backend_type: 'memory', ...cache };
  return loadConfigText(stringifyYaml(doc), 'test').config;
}

const key: CacheKeyScope = { requestedModel: 'MoM', scope: 'global' };
const MIB_TEXT = 'x'.repeat(2 ** 19); // ~1 MiB estimated (2 bytes a character)
const answer = (): CachedAnswer => ({
  completion: { object: 'chat.completion', model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: MIB_TEXT }, finish_reason: 'stop' }] },
  model: 'qwen3', createdMs: Date.now(),
});
const vec = (i: number) => {
  const v = new Float32Array(64);
  v[i % 64] = 1;
  v[(i + 1) % 64] = 0.5;
  return v;
};

async function entriesAfter(cache: Record<string, unknown>, stored: number) {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (_o, msg) => warnings.push(msg ?? ''), error() {} };
  const c = (await createWorkerCache(configWith(cache), { bindings: {}, logger }))!;
  for (let i = 0; i < stored; i++) await c.store(key, vec(i), answer());
  return { size: c.size(), warnings };
}

describe('Worker: the semantic cache stays inside the isolate', () => {
  it('the default max_memory_mb (256, as the bundled config writes it) is held to the Worker cap', async () => {
    expect(configWith({}).semantic_cache?.max_memory_mb).toBe(256);
    const { size, warnings } = await entriesAfter({}, 48);
    // 48 answers of ~1 MiB each: the cap (32 MiB) holds fewer than 32 of them.
    expect(size).toBeLessThan(32);
    expect(size).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });

  it('0 (no byte bound) and a larger value are capped too, with a warning', async () => {
    for (const mb of [0, 1024]) {
      const { size, warnings } = await entriesAfter({ max_memory_mb: mb }, 40);
      expect(size, `max_memory_mb ${mb}`).toBeLessThan(32);
      expect(warnings.join()).toContain('max_memory_mb');
    }
  });

  it('a value below the cap is honoured', async () => {
    const { size } = await entriesAfter({ max_memory_mb: 8 }, 20);
    expect(size).toBeLessThan(8);
    expect(size).toBeGreaterThan(0);
  });
});
