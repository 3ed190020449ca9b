// The Prometheus catalog against the vLLM Semantic Router's own declarations (its
// src/semantic-router/pkg/metrics/metrics.go, CLASSIC and later: the same label sets), and the batch
// metrics of a gateway started from a reference-shaped config.yaml (test/fixtures/vsr-classic-config.yaml)
// over real sockets. vsr.md 4.1 lists batch_classification_texts_total and _size_distribution without
// labels, but the reference declares both with processing_type (RecordBatchClassificationTexts(
// processingType, n), RecordBatchSizeDistribution(processingType, n)), so a reference query such as
// sum by (processing_type) (rate(batch_classification_texts_total[5m])) found no processing_type here.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/index.ts';
import { METRIC_ALIASES, METRIC_CATALOG } from '../../src/observability/catalog.ts';
import { realClassifiers, startGateway, type Gateway } from './gateway-harness.ts';

/** name -> [type, labels] as the reference declares them (promauto.New*Vec calls). */
const REFERENCE: Record<string, [string, string[]]> = {
  llm_model_requests_total: ['counter', ['model']],
  llm_request_errors_total: ['counter', ['model', 'reason']],
  llm_model_cost_total: ['counter', ['model', 'currency']],
  llm_model_tokens_total: ['counter', ['model']],
  llm_model_prompt_tokens_total: ['counter', ['model']],
  llm_model_completion_tokens_total: ['counter', ['model']],
  llm_prompt_tokens_per_request: ['histogram', ['model']],
  llm_completion_tokens_per_request: ['histogram', ['model']],
  llm_model_routing_modifications_total: ['counter', ['source_model', 'target_model']],
  llm_routing_reason_codes_total: ['counter', ['reason_code', 'model']],
  llm_model_completion_latency_seconds: ['histogram', ['model']],
  llm_model_ttft_seconds: ['histogram', ['model']],
  llm_model_tpot_seconds: ['histogram', ['model']],
  llm_model_routing_latency_seconds: ['histogram', []],
  llm_classifier_latency_seconds: ['histogram', ['classifier']],
  llm_cache_hits_total: ['counter', []],
  llm_cache_misses_total: ['counter', []],
  llm_cache_operation_duration_seconds: ['histogram', ['backend', 'operation']],
  llm_cache_operations_total: ['counter', ['backend', 'operation', 'status']],
  llm_cache_entries_total: ['gauge', ['backend']],
  llm_category_classifications_count: ['counter', ['category']],
  llm_pii_violations_total: ['counter', ['model', 'pii_type']],
  llm_reasoning_decisions_total: ['counter', ['category', 'model', 'enabled', 'effort']],
  llm_reasoning_template_usage_total: ['counter', ['family', 'param']],
  llm_reasoning_effort_usage_total: ['counter', ['family', 'effort']],
  llm_entropy_classification_decisions_total: ['counter', ['uncertainty_level', 'reasoning_enabled', 'decision_reason', 'top_category']],
  llm_classification_confidence: ['histogram', ['category', 'classification_method']],
  batch_classification_requests_total: ['counter', ['processing_type']],
  batch_classification_duration_seconds: ['histogram', ['processing_type', 'batch_size_range']],
  batch_classification_texts_total: ['counter', ['processing_type']],
  batch_classification_errors_total: ['counter', ['processing_type', 'error_type']],
  batch_classification_size_distribution: ['histogram', ['processing_type']],
};
/** Declared by the reference and left out on purpose (k8s/observability/README.md says why). */
const LEFT_OUT = ['llm_entropy_values', 'llm_entropy_classification_latency_seconds', 'llm_probability_distribution_quality_total', 'llm_entropy_fallback_usage_total', 'batch_classification_concurrent_goroutines'];

describe('each reference metric semroute exposes has the reference\'s type and label names', () => {
  it('under its own name, or the lint-clean name METRIC_ALIASES maps it to', () => {
    const catalog = new Map(METRIC_CATALOG.map((s) => [s.name, s]));
    const differs: string[] = [];
    for (const [name, [type, labels]] of Object.entries(REFERENCE)) {
      const spec = catalog.get(METRIC_ALIASES[name] ?? name);
      if (!spec) differs.push(`${name}: not exposed`);
      else if (spec.type !== type || [...(spec.labels ?? [])].sort().join() !== [...labels].sort().join())
        differs.push(`${name}: ${spec.type} {${(spec.labels ?? []).join(',')}}, the reference ${type} {${labels.join(',')}}`);
    }
    expect(differs).toEqual([]);
    for (const name of LEFT_OUT) expect(catalog.has(name)).toBe(false);
    expect(readFileSync(new URL('../../k8s/observability/README.md', import.meta.url), 'utf8')).toContain('batch_classification_concurrent_goroutines');
  });
});

describe('batch metrics of a gateway started from the reference-shaped config.yaml', () => {
  const FIXTURE = readFileSync(new URL('../fixtures/vsr-classic-config.yaml', import.meta.url), 'utf8');
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({
      classifiers: await realClassifiers(),
      config: (port) => {
        const doc = parse(FIXTURE) as Record<string, any>;
        doc.vllm_endpoints[0].port = port;
        return validateConfig(doc, 'vsr-classic-config.yaml').config;
      },
    });
  });
  afterAll(() => gw?.close());

  it('texts and batch sizes are counted by processing_type, as the reference counts them', async () => {
    const res = await fetch(`${gw.url}/api/v1/classify/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts: ['Solve x^2 = 4', 'Who won the battle of Hastings?', 'What is GDP?'], task_type: 'intent' }),
    });
    expect(res.status).toBe(200);
    const lines = (await (await fetch(`${gw.url}/metrics`)).text()).split('\n');
    const value = (series: string) => lines.find((l) => l.startsWith(`${series} `))?.split(' ')[1];
    expect(value('batch_classification_texts_total{processing_type="sequential"}')).toBe('3');
    expect(value('batch_classification_size_distribution_count{processing_type="sequential"}')).toBe('1');
    expect(value('batch_classification_size_distribution_sum{processing_type="sequential"}')).toBe('3');
    // size_buckets from the fixture's api.batch_classification.metrics: [1, 2, 5, ...].
    expect(value('batch_classification_size_distribution_bucket{processing_type="sequential",le="2"}')).toBe('0');
    expect(value('batch_classification_size_distribution_bucket{processing_type="sequential",le="5"}')).toBe('1');
    // Every series of the two carries the label: no unlabelled series beside them.
    expect(lines.filter((l) => /^batch_classification_(texts_total|size_distribution_\w+)[ {]/.test(l) && !l.includes('processing_type='))).toEqual([]);
  });
});
