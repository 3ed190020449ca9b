// semantic_cache.max_entries: 0 (issue #3). The reference's validator refuses only a negative value
// and its in-memory cache evicts only `if maxEntries > 0 && len(entries) >= maxEntries`: 0 is "no
// entry limit". semroute refused 0 at load, so a reference config with it did not start. 0 now loads
// and means no entry limit; max_memory_mb (256 by default) still bounds the cache, and both at 0
// (nothing bounds it) is refused with a message saying so.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigText } from '../../src/config/index.ts';
import { createNodeCache } from '../../runtimes/node/cache.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger } from '../integration/gateway-harness.ts';

const yaml = (cache: string) => `
default_model: qwen3
vllm_endpoints:
  - { name: e, address: 127.0.0.1, port: 8000, weight: 1 }
model_config:
  qwen3: { preferred_endpoints: [e] }
semantic_cache:
  enabled: true
  backend_type: memory
${cache}`;

const answer = { completion: { id: 'x', object: 'chat.completion', model: 'm', choices: [] }, model: 'm', createdMs: Date.now() };

describe('semantic_cache.max_entries: 0', () => {
  it('loads (as the reference) and keeps every entry: no entry limit', async () => {
    const { config } = loadConfigText(yaml('  max_entries: 0\n  eviction_policy: fifo\n'));
    const cache = await createNodeCache(config, captureLogger(), createMetrics());
    const key = { requestedModel: 'MoM', scope: 'global' };
    // More than the default limit (1000): none is evicted.
    for (let i = 0; i < 1200; i++) await cache!.store(key, Float32Array.from({ length: 16 }, (_, j) => Math.sin(i * 7.3 + j)), answer as never);
    expect(cache!.size()).toBe(1200);
    await cache!.close?.();
  });

  it('a positive limit still evicts at it', async () => {
    const { config } = loadConfigText(yaml('  max_entries: 3\n'));
    const cache = await createNodeCache(config, captureLogger(), createMetrics());
    const key = { requestedModel: 'MoM', scope: 'global' };
    for (let i = 0; i < 5; i++) await cache!.store(key, Float32Array.from({ length: 16 }, (_, j) => Math.cos(i * 3.1 + j)), answer as never);
    expect(cache!.size()).toBe(3);
    await cache!.close?.();
  });

  it('negative is refused, as the reference refuses it', () => {
    expect(() => loadConfigText(yaml('  max_entries: -1\n'))).toThrow(ConfigError);
    expect(() => loadConfigText(yaml('  max_entries: -1\n'))).toThrow(/semantic_cache\.max_entries/);
  });

  it('with max_memory_mb: 0 too nothing bounds the cache: refused, saying why', () => {
    expect(() => loadConfigText(yaml('  max_entries: 0\n  max_memory_mb: 0\n'))).toThrow(/semantic_cache\.max_entries.*max_memory_mb/s);
    // Off, it bounds nothing and is accepted.
    expect(() => loadConfigText(yaml('  max_entries: 0\n  max_memory_mb: 0\n').replace('enabled: true', 'enabled: false'))).not.toThrow();
  });
});
