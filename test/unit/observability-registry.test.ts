import { beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { METRIC_CATALOG, METRIC_ALIASES, JAILBREAK_METRIC } from '../../src/observability/catalog.ts';
import { createRegistry, OVERFLOW_METRIC } from '../../src/observability/registry.ts';
import { ensurePromtool, promtool } from '../fixtures/promtool.ts';

/** name{labels} -> value, from the text format; fails the test on a malformed line. */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`malformed line: ${line}`);
    const key = `${m[1]}${m[2] ?? ''}`;
    if (series.has(key)) throw new Error(`duplicate series: ${key}`);
    series.set(key, Number(m[3] === '+Inf' ? Infinity : m[3]));
  }
  return series;
}

function exercise(metrics: ReturnType<typeof createMetrics>) {
  for (const spec of METRIC_CATALOG) {
    const labels = Object.fromEntries((spec.labels ?? []).map((l, i) => [l, `v${i}`]));
    if (spec.type === 'histogram') {
      metrics.observe(spec.name, labels, 0.004);
      metrics.observe(spec.name, labels, 42);
    } else if (spec.type === 'gauge') metrics.set(spec.name, labels, 3.5);
    else metrics.inc(spec.name, labels, 2);
  }
  // Hostile label values: quotes, backslashes, newlines, unicode.
  metrics.inc('llm_request_errors_total', { model: 'a"b\\c\nd', reason: 'timeout' });
  metrics.inc('llm_category_classifications_total', { category: 'économie ✓' });
  // Undeclared names and odd label keys are declared on first use.
  metrics.inc('custom-thing.count_total', { 'weird-key': 'x' });
  metrics.observe('custom_latency_seconds', { stage: 'x' }, 0.2);
  metrics.set('custom_gauge', {}, -1);
}

describe('prometheus registry', () => {
  beforeAll(() => {
    ensurePromtool();
  }, 300_000);

  it('passes promtool check metrics with every reference metric populated', () => {
    const metrics = createMetrics();
    exercise(metrics);
    const text = metrics.render();
    const r = promtool(['check', 'metrics'], text);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
    parseExposition(text); // no duplicate or malformed series
  });

  it('promtool rejects what it should (the check is not a no-op)', () => {
    const r = promtool(['check', 'metrics'], '# TYPE x_total gauge\nx_total 1\n');
    expect(r.status).not.toBe(0);
  });

  it('declares every reference name, HELP and TYPE included, before any traffic', () => {
    const text = createMetrics().render();
    for (const spec of METRIC_CATALOG) {
      expect(text).toContain(`# HELP ${spec.name} `);
      expect(text).toContain(`# TYPE ${spec.name} ${spec.type}`);
    }
    for (const name of ['llm_model_requests_total', 'llm_pii_violations_total', JAILBREAK_METRIC, 'llm_model_cost_total']) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    // Unlabelled counters exist at zero so rate() works from the first scrape.
    expect(parseExposition(text).get('llm_cache_hits_total')).toBe(0);
  });

  it('escapes label values exactly as the text format requires', () => {
    const metrics = createMetrics();
    metrics.inc('llm_request_errors_total', { model: 'a"b\\c\nd', reason: 'timeout' }, 3);
    expect(metrics.render()).toContain('llm_request_errors_total{model="a\\"b\\\\c\\nd",reason="timeout"} 3');
  });

  it('computes cumulative histogram buckets, sum and count', () => {
    const reg = createRegistry();
    reg.declare({ name: 'h_seconds', help: 'h', type: 'histogram', labels: ['k'], buckets: [0.01, 0.1, 1] });
    for (const v of [0.005, 0.05, 0.05, 0.5, 5]) reg.observe('h_seconds', { k: 'a' }, v);
    const s = parseExposition(reg.render());
    expect(s.get('h_seconds_bucket{k="a",le="0.01"}')).toBe(1);
    expect(s.get('h_seconds_bucket{k="a",le="0.1"}')).toBe(3);
    expect(s.get('h_seconds_bucket{k="a",le="1"}')).toBe(4);
    expect(s.get('h_seconds_bucket{k="a",le="+Inf"}')).toBe(5);
    expect(s.get('h_seconds_count{k="a"}')).toBe(5);
    expect(s.get('h_seconds_sum{k="a"}')).toBeCloseTo(5.605, 10);
  });

  it('caps series per metric and collapses the rest into "other"', () => {
    const metrics = createMetrics({ maxSeriesPerMetric: 10 });
    for (let i = 0; i < 50; i++) metrics.inc('llm_category_classifications_total', { category: `c${i}` });
    const s = parseExposition(metrics.render());
    const cats = [...s.keys()].filter((k) => k.startsWith('llm_category_classifications_total{'));
    expect(cats).toHaveLength(11);
    expect(s.get('llm_category_classifications_total{category="other"}')).toBe(40);
    expect(s.get(`${OVERFLOW_METRIC}{metric="llm_category_classifications_total"}`)).toBe(40);
    expect(s.get('llm_category_classifications_total{category="c9"}')).toBe(1);
  });

  it('bounds model labels to the models the config knows, so client text never becomes a label', () => {
    const config = {
      default_model: 'qwen3',
      model_config: { qwen3: {}, 'deepseek-v31': {} },
      categories: [{ name: 'math', model_scores: [{ model: 'phi4', score: 1, use_reasoning: false }] }],
    } as never;
    const metrics = createMetrics({ config });
    const secret = 'alice.smith@example.com';
    metrics.inc('llm_model_requests_total', { model: secret });
    metrics.inc('llm_model_routing_modifications_total', { source_model: 'MoM', target_model: 'phi4' });
    metrics.inc('llm_model_requests_total', { model: 'deepseek-v31' });
    const text = metrics.render();
    expect(text).not.toContain(secret);
    const s = parseExposition(text);
    expect(s.get('llm_model_requests_total{model="other"}')).toBe(1);
    expect(s.get('llm_model_requests_total{model="deepseek-v31"}')).toBe(1);
    expect(s.get('llm_model_routing_modifications_total{source_model="MoM",target_model="phi4"}')).toBe(1);
  });

  it('maps the reference names that fail promtool lint onto their exposed names', () => {
    const metrics = createMetrics();
    metrics.inc('llm_category_classifications_count', { category: 'math' });
    metrics.set('llm_cache_entries_total', { backend: 'memory' }, 7);
    const s = parseExposition(metrics.render());
    expect(s.get(`${METRIC_ALIASES.llm_category_classifications_count}{category="math"}`)).toBe(1);
    expect(s.get(`${METRIC_ALIASES.llm_cache_entries_total}{backend="memory"}`)).toBe(7);
  });

  it('never throws on bad input and ignores values that would corrupt a series', () => {
    const metrics = createMetrics();
    expect(() => {
      metrics.inc('llm_model_requests_total', { model: 'qwen3' }, -5);
      metrics.inc('llm_model_requests_total', { model: 'qwen3' }, NaN);
      metrics.observe('llm_model_ttft_seconds', { model: 'qwen3' }, Infinity);
      metrics.observe('llm_model_requests_total', { model: 'qwen3' }, 1); // wrong type
      metrics.inc('llm_model_ttft_seconds', { model: 'qwen3' }); // wrong type
      metrics.inc('', undefined);
      metrics.inc('9starts with digit', { '': 'x', __reserved: 'y' });
      metrics.set('llm_inflight_requests', {}, 2);
      metrics.inc('llm_model_requests_total', { model: 'x'.repeat(10_000) });
    }).not.toThrow();
    const text = metrics.render();
    expect(promtool(['check', 'metrics'], text).status).toBe(0);
    const s = parseExposition(text);
    expect(s.has('llm_model_requests_total{model="qwen3"}')).toBe(false);
    expect(s.get('llm_inflight_requests')).toBe(2);
    expect(text).not.toContain('x'.repeat(101));
  });

  it('gives names declared on first use a form promtool accepts, and keeps answering to the given name', () => {
    const reg = createRegistry();
    reg.inc('stageRetries', { stage: 'guard' }, 2);
    reg.set('queue_depth_gauge', {}, 4);
    reg.observe('upstream_wait_total', {}, 0.5);
    expect(reg.names()).toEqual(expect.arrayContaining(['stage_retries_total', 'queue_depth', 'upstream_wait']));
    expect(reg.value('stageRetries', { stage: 'guard' })).toBe(2);
    reg.inc('stageRetries', { stage: 'guard' });
    expect(reg.value('stage_retries_total', { stage: 'guard' })).toBe(3);
    const r = promtool(['check', 'metrics'], reg.render());
    expect(r.output).toBe('');
  });

  it('caps the number of families declared on first use', () => {
    const reg = createRegistry({ maxFamilies: 5 });
    for (let i = 0; i < 20; i++) reg.inc(`dyn_${i}_total`);
    expect(reg.names()).toHaveLength(5);
  });

  it('runs collectors before rendering and survives a failing one', () => {
    const reg = createRegistry();
    let n = 0;
    reg.addCollector(() => reg.set('sampled', {}, ++n));
    reg.addCollector(() => {
      throw new Error('boom');
    });
    expect(reg.render()).toContain('sampled 1');
    expect(reg.render()).toContain('sampled 2');
  });

  it('clear drops a family\'s series (freeing their cap room) and keeps the family declared', () => {
    const reg = createRegistry({ maxSeriesPerMetric: 2 });
    reg.declare({ name: 'loaded_info', help: 'h', type: 'gauge', labels: ['pack'] });
    reg.declare({ name: 'plain', help: 'h', type: 'gauge' });
    reg.set('loaded_info', { pack: 'a' }, 1);
    reg.set('loaded_info', { pack: 'b' }, 1);
    reg.set('plain', {}, 7);
    reg.clear('loaded_info');
    reg.clear('plain');
    reg.clear('never_declared');
    const text = reg.render();
    expect(text).toContain('# TYPE loaded_info gauge');
    expect(text).not.toContain('loaded_info{');
    expect(text).toContain('plain 0');
    reg.set('loaded_info', { pack: 'c' }, 1);
    reg.set('loaded_info', { pack: 'd' }, 1);
    expect(reg.render()).not.toContain('pack="other"');
    expect(reg.value('loaded_info', { pack: 'a' })).toBeUndefined();
    expect(reg.value('loaded_info', { pack: 'd' })).toBe(1);
  });
});
