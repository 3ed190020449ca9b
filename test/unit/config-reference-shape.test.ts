// A vLLM Semantic Router config.yaml written exactly in the reference's shape (vsr.md 1.1, fixture
// test/fixtures/vsr-classic-config.yaml) is a drop-in: every key the reference documents is known, so
// loading it reports no unknown key (the keys it sets that semroute does not act on are named in one
// warning: test/unit/config-reference-only-keys.test.ts), and unset keys take the reference's defaults.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigText, validateConfig } from '../../src/config/index.ts';

const FIXTURE = readFileSync(new URL('../fixtures/vsr-classic-config.yaml', import.meta.url), 'utf8');

describe('a reference-shaped config.yaml (vsr.md 1.1)', () => {
  it('loads without an unknown-key warning about any key the reference documents', () => {
    const { warnings } = loadConfigText(FIXTURE, 'vsr-classic-config.yaml');
    expect(warnings.filter((w) => !/accepted from the reference's config and not used/.test(w))).toEqual([]);
  });

  it('a misspelt key in a reference section is still reported', () => {
    const doc = parse(FIXTURE) as Record<string, any>;
    doc.api.batch_classification.max_batch_sise = 10;
    doc.bert_model.treshold = 0.5;
    const { warnings } = validateConfig(doc);
    expect(warnings.filter((w) => w.includes('unknown key'))).toEqual(['bert_model.treshold: unknown key (ignored)', 'api.batch_classification.max_batch_sise: unknown key (ignored)']);
  });
});

describe('api.batch_classification.metrics buckets (vsr.md 1.1) shape the batch histograms', () => {
  it('duration_buckets and size_buckets are the histograms\' le values', async () => {
    const { createMetrics } = await import('../../src/observability/metrics.ts');
    const doc = parse(FIXTURE) as Record<string, any>;
    doc.api.batch_classification.metrics.duration_buckets = [0.5, 3];
    doc.api.batch_classification.metrics.size_buckets = [4, 40];
    const metrics = createMetrics({ config: validateConfig(doc).config });
    metrics.observe('batch_classification_duration_seconds', { processing_type: 'sequential', batch_size_range: '2-5' }, 1);
    metrics.observe('batch_classification_size_distribution', { processing_type: 'sequential' }, 7);
    const les = (name: string) => [...metrics.render().matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"`, 'gm'))].map((m) => m[1]);
    expect(les('batch_classification_duration_seconds')).toEqual(['0.5', '3', '+Inf']);
    expect(les('batch_classification_size_distribution')).toEqual(['4', '40', '+Inf']);
  });
});

describe('keys a reference config leaves out take the reference\'s defaults (vsr.md 1.1)', () => {
  it('reasoning effort, system prompt mode, batch limit, cache, guard and tracing defaults', () => {
    const { config } = loadConfigText(`
default_model: qwen3
vllm_endpoints: [{ name: endpoint1, address: 127.0.0.1, port: 8000 }]
categories:
  - name: math
    system_prompt: "You are a mathematics expert."
    model_scores: [{ model: qwen3, score: 1.0, use_reasoning: true }]
semantic_cache: { enabled: true }
prompt_guard: { enabled: true }
observability: { tracing: { enabled: true } }
`);
    expect(config.default_reasoning_effort).toBe('medium');
    expect(config.categories[0]).toMatchObject({ system_prompt_mode: 'replace' });
    expect(config.categories[0].system_prompt_enabled).not.toBe(false);
    expect(config.vllm_endpoints[0].weight).toBe(1);
    expect(config.api.batch_classification.max_batch_size).toBe(100);
    expect(config.clear_route_cache).toBe(false);
    expect(config.semantic_cache).toMatchObject({ backend_type: 'memory', similarity_threshold: 0.8, max_entries: 1000, ttl_seconds: 3600, eviction_policy: 'fifo' });
    expect(config.prompt_guard).toMatchObject({ threshold: 0.7 });
    expect(config.observability?.tracing).toMatchObject({ provider: 'opentelemetry', sampling: { type: 'always_on', rate: 1 } });
  });
});

describe('a config in the reference\'s later shapes (vsr.md 1.2 v0.1 decisions, 1.3 v0.3) is refused with the reason', () => {
  const refusal = (text: string) => {
    try {
      loadConfigText(text, 'config.yaml');
    } catch (err) {
      return (err as Error).message;
    }
    return 'loaded';
  };

  it('v0.3 (version / providers / routing): names the shape semroute reads', () => {
    const msg = refusal('version: v0.3\nproviders:\n  defaults: { default_model: qwen3 }\n  models: [{ name: qwen3 }]\n');
    expect(msg).toContain('v0.3');
    expect(msg).toContain('classic');
  });

  it('v0.1 (decisions[] over metadata-only categories): says routing needs model_scores', () => {
    const msg = refusal(`
default_model: qwen3
vllm_endpoints: [{ name: e, address: 127.0.0.1, port: 8000 }]
categories: [{ name: math, description: Math, mmlu_categories: [math] }]
decisions:
  - { name: math_decision, priority: 100, rules: { operator: AND, conditions: [{ type: domain, name: math }] }, modelRefs: [{ model: qwen3, use_reasoning: true }] }
`);
    expect(msg).toContain('categories[0].model_scores');
    expect(msg).toContain('decisions');
    expect(msg).toContain('classic');
  });
});
