// Which semantic cache a Node pod builds for each backend_type: a Durable Object exists only inside
// Cloudflare, so a Worker-style config serves the pod's in-memory cache and warns instead of
// pretending to share it.
import { describe, expect, it } from 'vitest';
import { createNodeCache } from '../../runtimes/node/cache.ts';
import { MemoryCache } from '../../src/cache/memory-cache.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, testConfig } from '../integration/gateway-harness.ts';

const vec = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 13.1));
const answer = { completion: { id: 'x', object: 'chat.completion', model: 'm', choices: [] }, model: 'm', createdMs: Date.now() };

describe('createNodeCache', () => {
  it('durable_object: warns and serves a working in-memory cache, labelled memory', async () => {
    const log = captureLogger();
    const metrics = createMetrics();
    const config = testConfig({ semantic_cache: { enabled: true, backend_type: 'durable_object' } });
    const cache = await createNodeCache(config, log, metrics);
    expect(cache).toBeInstanceOf(MemoryCache);
    const warn = log.lines.filter((l) => l.level === 'warn');
    expect(warn).toHaveLength(1);
    expect(warn[0]!.obj).toEqual({ backend: 'durable_object' });
    expect(warn[0]!.msg).toMatch(/Durable Object.*in-memory cache only/);

    const key = { requestedModel: 'MoM', scope: 'global' };
    await cache!.store(key, vec, answer as never);
    expect(await cache!.lookup(key, vec, 0.9)).toBeDefined();
    expect(metrics.render()).toMatch(/llm_cache_operations_total\{[^}]*backend="memory"/);
    expect(metrics.render()).not.toContain('backend="durable_object"');
    await cache!.close?.();
  });

  it('memory: no warning', async () => {
    const log = captureLogger();
    const cache = await createNodeCache(testConfig({ semantic_cache: { enabled: true, backend_type: 'memory' } }), log, createMetrics());
    expect(cache).toBeInstanceOf(MemoryCache);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(0);
  });

  it('disabled: no cache at all', async () => {
    expect(await createNodeCache(testConfig({ semantic_cache: { enabled: false, backend_type: 'durable_object' } }), captureLogger(), createMetrics())).toBeUndefined();
  });
});
