// Semantic-cache behaviour no other test pinned (found by mutating src/cache/plan.ts, memory-cache.ts
// and vector-index.ts): more answer-shape fields keep their own key, per-category thresholds are read
// (and lower the lookup floor), a similarity equal to the threshold hits, and the TTL is in seconds,
// an entry expiring at its exact deadline.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.ts';
import { lookupThreshold, planCache, thresholdFor } from '../../src/cache/plan.ts';
import { MemoryCache } from '../../src/cache/memory-cache.ts';
import { buildContext } from '../../src/pipeline/request.ts';

const config = validateConfig({ default_model: 'm', vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }], semantic_cache: { enabled: true, category_thresholds: { math: 0.95, chat: 0.7 } } }).config;
const cfg = config.semantic_cache;
if (!cfg) throw new Error('semantic_cache is configured above');
const keyOf = (extra: Record<string, unknown>) => {
  const plan = planCache(config, cfg, buildContext({ requestId: 'r', headers: {}, body: { model: 'm', messages: [{ role: 'user', content: 'what is 2+2?' }], ...extra } as never, startedMs: 0 }));
  if (typeof plan === 'string') throw new Error(plan);
  return JSON.stringify(plan.key);
};

describe('semantic cache (mutation audit)', () => {
  it.each([
    ['n', 3],
    ['frequency_penalty', 1.5],
    ['truncate_prompt_tokens', 64],
    ['verbosity', 'high'],
    ['min_tokens', 200],
  ])('a request setting %s meets only answers stored under the same value', (field, value) => {
    const plain = keyOf({});
    expect(keyOf({ [field]: value })).not.toBe(plain);
    expect(keyOf({ [field]: value })).toBe(keyOf({ [field]: value }));
  });

  it("a stored answer's category threshold is used; the lookup floor is the lowest of all", () => {
    expect(thresholdFor(cfg, 'math')).toBe(0.95);
    expect(thresholdFor(cfg, 'other')).toBe(cfg.similarity_threshold);
    expect(thresholdFor(cfg, undefined)).toBe(cfg.similarity_threshold);
    expect(lookupThreshold(cfg)).toBe(0.7);
  });

  const unit = (...v: number[]) => { const a = Float32Array.from(v); const n = Math.hypot(...a); return a.map((x) => x / n); };
  const key = { requestedModel: 'm', scope: 'global' };
  const answer = { body: '{}', contentType: 'application/json' } as never;

  it('a similarity equal to the threshold is a hit', async () => {
    const c = new MemoryCache({ maxEntries: 10, eviction: 'fifo', ttlSeconds: 0 });
    const v = unit(1, 0, 0, 0);
    await c.store(key, v, answer);
    expect(await c.lookup(key, v, 1)).toBeDefined();
  });

  it('ttl_seconds is seconds; an entry is gone at its deadline', async () => {
    const now = { t: 1_000_000 };
    const c = new MemoryCache({ maxEntries: 10, eviction: 'fifo', ttlSeconds: 2, now: () => now.t });
    const v = unit(1, 2, 3, 4);
    await c.store(key, v, answer);
    now.t += 1_999;
    expect(await c.lookup(key, v, 0.9)).toBeDefined();
    now.t += 1;
    expect(await c.lookup(key, v, 0.9)).toBeUndefined();
  });
});
