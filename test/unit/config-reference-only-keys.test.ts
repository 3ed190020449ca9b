// A reference config.yaml loads as written, but the keys semroute does not act on (the reference's model
// ids, mapping paths, use_cpu, HNSW and batch-metrics knobs) are named in one warning, so a migrating
// operator does not take `classifier.category_model.model_id: my-model` for obeyed. `${NAME}` values,
// which the reference does not expand either, are named by key path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigText, validateConfig } from '../../src/config/index.ts';

const FIXTURE = readFileSync(new URL('../fixtures/vsr-classic-config.yaml', import.meta.url), 'utf8');
const BASE = 'default_model: qwen3\nvllm_endpoints: [{ name: e, address: 127.0.0.1, port: 8000 }]\n';

describe('reference keys with no effect', () => {
  it('the reference-shaped config loads with exactly one warning, naming each such key it sets', () => {
    const { warnings } = loadConfigText(FIXTURE, 'vsr-classic-config.yaml');
    expect(warnings).toHaveLength(1);
    const named = warnings[0]!.split(':')[0]!.split(', ');
    expect(named).toEqual([
      'bert_model.model_id',
      'bert_model.use_cpu',
      'classifier.category_model.model_id',
      'classifier.category_model.use_modernbert',
      'classifier.category_model.use_cpu',
      'classifier.category_model.category_mapping_path',
      'classifier.pii_model.model_id',
      'classifier.pii_model.use_modernbert',
      'classifier.pii_model.use_cpu',
      'classifier.pii_model.pii_mapping_path',
      'prompt_guard.model_id',
      'prompt_guard.use_modernbert',
      'prompt_guard.use_cpu',
      'prompt_guard.jailbreak_mapping_path',
      'api.batch_classification.concurrency_threshold',
      'api.batch_classification.max_concurrency',
      'api.batch_classification.metrics.enabled',
      'api.batch_classification.metrics.detailed_goroutine_tracking',
      'api.batch_classification.metrics.high_resolution_timing',
      'api.batch_classification.metrics.sample_rate',
    ]);
    expect(warnings[0]).toMatch(/not used/);
  });

  it('keys semroute uses are not named; a section switched off names nothing of its own', () => {
    const doc = parse(FIXTURE) as Record<string, any>;
    // semantic_cache is off in the fixture: its HNSW keys change nothing either way.
    expect(validateConfig(doc).warnings.join()).not.toMatch(/semantic_cache|\.threshold\b|max_batch_size|duration_buckets/);
    doc.semantic_cache.enabled = true;
    expect(validateConfig(doc).warnings[0]).toMatch(/semantic_cache\.backend_config_path, semantic_cache\.use_hnsw, semantic_cache\.hnsw_m/);
    doc.prompt_guard.enabled = false;
    expect(validateConfig(doc).warnings[0]).not.toMatch(/prompt_guard/);
  });

  it('a config without them (the bundled one, the k8s ones) warns about nothing', () => {
    expect(loadConfigText(`${BASE}classifier: { category_model: { threshold: 0.5 } }\n`).warnings).toEqual([]);
  });
});

describe('${NAME} values', () => {
  it('are named by key path and variable, never with the value', () => {
    const text =
      'default_model: ${DEFAULT_MODEL}\nvllm_endpoints: [{ name: e, address: 127.0.0.1, port: 8000 }]\n' +
      'semantic_cache: { enabled: true, backend_type: redis, redis: { url: "redis://:${REDIS_PASSWORD}@redis:6379" } }\n';
    const { warnings } = loadConfigText(text);
    expect(warnings).toEqual([
      'default_model: ${DEFAULT_MODEL} is used as written: environment variables are not substituted in the config file',
      'semantic_cache.redis.url: ${REDIS_PASSWORD} is used as written: environment variables are not substituted in the config file (semantic_cache.redis.url_env names a variable holding the whole URL)',
    ]);
    expect(warnings.join()).not.toContain('redis:6379');
  });

  it('a lone $ or a price is no variable', () => {
    expect(loadConfigText(`${BASE}categories: [{ name: math, system_prompt: "Costs are in $ or $5; use {braces}", model_scores: [{ model: qwen3, score: 1, use_reasoning: false }] }]\n`).warnings).toEqual([]);
  });
});
