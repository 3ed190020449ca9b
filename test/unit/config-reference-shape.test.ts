// A vLLM Semantic Router config.yaml written exactly in the reference's shape (vsr.md 1.1, fixture
// test/fixtures/vsr-classic-config.yaml) is a drop-in: every key the reference documents is known,
// so loading it warns about nothing, and unset keys take the reference's defaults.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigText, validateConfig } from '../../src/config/index.ts';

const FIXTURE = readFileSync(new URL('../fixtures/vsr-classic-config.yaml', import.meta.url), 'utf8');

describe('a reference-shaped config.yaml (vsr.md 1.1)', () => {
  it('loads without a warning about any key the reference documents', () => {
    const { warnings } = loadConfigText(FIXTURE, 'vsr-classic-config.yaml');
    expect(warnings).toEqual([]);
  });

  it('a misspelt key in a reference section is still reported', () => {
    const doc = parse(FIXTURE) as Record<string, any>;
    doc.api.batch_classification.max_batch_sise = 10;
    doc.bert_model.treshold = 0.5;
    const { warnings } = validateConfig(doc);
    expect(warnings).toEqual(['bert_model.treshold: unknown key (ignored)', 'api.batch_classification.max_batch_sise: unknown key (ignored)']);
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
    metrics.observe('batch_classification_size_distribution', {}, 7);
    const les = (name: string) => [...metrics.render().matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"`, 'gm'))].map((m) => m[1]);
    expect(les('batch_classification_duration_seconds')).toEqual(['0.5', '3', '+Inf']);
    expect(les('batch_classification_size_distribution')).toEqual(['4', '40', '+Inf']);
  });
});
