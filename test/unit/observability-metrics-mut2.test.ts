// Mutation audit, round 2: the metrics registry's set-up (src/observability/metrics.ts) where surviving
// mutants showed behaviour untested. Model labels take every model name the config mentions (decisions'
// modelRefs, vllm_endpoints' models, providers.models, routing.auto_model_names, the reference's
// security-filter) and names passed in `models`; other text is "other". The effort label is bounded
// even without a config. A max_series_per_metric of 0 is no limit of 0. The batch histograms take
// their buckets from api.batch_classification.metrics.
import { describe, expect, it } from 'vitest';
import { createMetrics, knownModels } from '../../src/observability/metrics.ts';

describe('knownModels', () => {
  it('takes the names of every config section that names models, and the block pseudo-model', () => {
    const known = knownModels({
      decisions: [{ name: 'd', modelRefs: [{ model: 'from-decision' }] }],
      vllm_endpoints: [{ name: 'e', address: '127.0.0.1', port: 1, models: ['from-endpoint'] }],
      providers: { models: [{ name: 'from-provider' }] },
      routing: { auto_model_names: ['my-auto'] },
    } as never);
    for (const m of ['from-decision', 'from-endpoint', 'from-provider', 'my-auto', 'security-filter', 'MoM']) expect(known.has(m), m).toBe(true);
    expect(known.has('client-text')).toBe(false);
  });
});

describe('createMetrics label bounds', () => {
  it('a name passed in `models` is a model label; another is "other"', () => {
    const m = createMetrics({ config: { default_model: 'qwen3' } as never, models: ['served-by-upstream'] });
    m.inc('llm_model_requests_total', { model: 'served-by-upstream' });
    m.inc('llm_model_requests_total', { model: 'made-up' });
    expect(m.value('llm_model_requests_total', { model: 'served-by-upstream' })).toBe(1);
    expect(m.value('llm_model_requests_total', { model: 'other' })).toBe(1);
  });

  it('the effort label is bounded with no config at all', () => {
    const m = createMetrics();
    m.inc('llm_reasoning_effort_usage_total', { family: 'qwen3', effort: 'turbo-max' });
    expect(m.value('llm_reasoning_effort_usage_total', { family: 'qwen3', effort: 'other' })).toBe(1);
    expect(m.render()).not.toContain('turbo-max');
  });
});

describe('createMetrics from config', () => {
  it('observability.metrics.max_series_per_metric 0 sets no limit (series are recorded)', () => {
    const m = createMetrics({ config: { default_model: 'qwen3', observability: { metrics: { max_series_per_metric: 0 } } } as never });
    m.inc('llm_model_requests_total', { model: 'qwen3' });
    expect(m.value('llm_model_requests_total', { model: 'qwen3' })).toBe(1);
  });

  it('the batch histograms use the configured duration and size buckets', () => {
    const m = createMetrics({ config: { api: { batch_classification: { metrics: { duration_buckets: [0.25, 4], size_buckets: [3, 30] } } } } as never });
    m.observe('batch_classification_duration_seconds', { processing_type: 'sequential', batch_size_range: '1' }, 0.1);
    m.observe('batch_classification_size_distribution', { processing_type: 'sequential' }, 2);
    const text = m.render();
    expect(text).toMatch(/^batch_classification_duration_seconds_bucket\{[^}]*le="0\.25"\} 1$/m);
    expect(text).toMatch(/^batch_classification_duration_seconds_bucket\{[^}]*le="4"\} 1$/m);
    expect(text).toMatch(/^batch_classification_size_distribution_bucket\{[^}]*le="3"\} 1$/m);
    expect(text).toMatch(/^batch_classification_size_distribution_bucket\{[^}]*le="30"\} 1$/m);
  });
});
