// The registry every runtime builds: all reference metrics pre-declared (see catalog.ts), model labels
// bounded by the config. The requested model is client text, so a label holding a model name only
// takes names the config knows; anything else is recorded as "other".
import type { Config } from '../config/schema.ts';
import { METRIC_ALIASES, METRIC_CATALOG } from './catalog.ts';
import { createRegistry, type Registry, type RegistryOptions } from './registry.ts';
import { KNOWN_EFFORTS } from './labels.ts';

/** Content-Type of the Prometheus text exposition format, for /metrics responses. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Labels that carry a model name. */
export const MODEL_LABELS = ['model', 'source_model', 'target_model'] as const;

export interface CreateMetricsOptions extends RegistryOptions {
  /** Bounds the model labels to the names this config knows (model_config, categories, endpoints, auto names). */
  config?: Config;
  /** More model names to allow (e.g. from the upstream's /v1/models). */
  models?: Iterable<string>;
}

export function createMetrics(opts: CreateMetricsOptions = {}): Registry {
  const metrics = createRegistry({
    maxSeriesPerMetric: opts.maxSeriesPerMetric ?? maxSeriesFromConfig(opts.config),
    maxFamilies: opts.maxFamilies,
    maxLabelValueLength: opts.maxLabelValueLength,
  });
  const buckets = batchBuckets(opts.config);
  for (const spec of METRIC_CATALOG) metrics.declare(buckets[spec.name] ? { ...spec, buckets: buckets[spec.name] } : spec);
  for (const [from, to] of Object.entries(METRIC_ALIASES)) metrics.alias(from, to);
  // A fixed set whatever the config: callers pass effortLabel(), this catches one that does not.
  metrics.restrictLabel('effort', [...KNOWN_EFFORTS, 'other']);
  if (opts.config || opts.models) {
    const known = knownModels(opts.config);
    for (const m of opts.models ?? []) known.add(m);
    for (const label of MODEL_LABELS) metrics.restrictLabel(label, known);
  }
  return metrics;
}

/**
 * What a config reload changes in the registry it keeps (runtimes/node/config-reload.ts): the series
 * cap, and the batch histograms' buckets (the catalog's when the config names none). Answers the
 * histograms whose buckets changed (their series start over).
 */
export function applyMetricSettings(metrics: Registry, config: Config): string[] {
  metrics.setMaxSeriesPerMetric(maxSeriesFromConfig(config) ?? DEFAULT_MAX_SERIES);
  const buckets = batchBuckets(config);
  const changed: string[] = [];
  for (const spec of METRIC_CATALOG) {
    if (!BATCH_HISTOGRAMS.includes(spec.name)) continue;
    if (metrics.setBuckets(spec.name, buckets[spec.name] ?? spec.buckets ?? [])) changed.push(spec.name);
  }
  return changed;
}

const BATCH_HISTOGRAMS = ['batch_classification_duration_seconds', 'batch_classification_size_distribution'];
/** The registry's own default cap (registry.ts), for a reload to a config without the key. */
const DEFAULT_MAX_SERIES = 500;

/**
 * api.batch_classification.metrics.duration_buckets / size_buckets (the reference's keys, vsr.md 1.1)
 * for the two batch histograms: when the registry is built, and by applyMetricSettings on a reload.
 */
function batchBuckets(config?: Config): Record<string, number[]> {
  const m = config?.api?.batch_classification?.metrics;
  const out: Record<string, number[]> = {};
  if (m?.duration_buckets?.length) out.batch_classification_duration_seconds = m.duration_buckets;
  if (m?.size_buckets?.length) out.batch_classification_size_distribution = m.size_buckets;
  return out;
}

function maxSeriesFromConfig(config?: Config): number | undefined {
  const n = (config?.observability as { metrics?: { max_series_per_metric?: unknown } } | undefined)?.metrics
    ?.max_series_per_metric;
  return typeof n === 'number' && n > 0 ? n : undefined;
}

/** Every model name a config mentions, plus the auto names and the reference's block pseudo-model. */
export function knownModels(config?: Config): Set<string> {
  const out = new Set<string>(['MoM', 'auto', 'vllm-sr/auto', 'security-filter', 'unknown']);
  if (!config) return out;
  const cfg = config as Record<string, unknown>;
  const add = (v: unknown) => {
    if (typeof v === 'string' && v) out.add(v);
  };
  add(cfg.default_model);
  const mc = cfg.model_config;
  if (mc && typeof mc === 'object') for (const k of Object.keys(mc)) add(k);
  for (const cat of arr(cfg.categories)) for (const s of arr(obj(cat).model_scores)) add(obj(s).model);
  for (const d of arr(cfg.decisions)) for (const r of arr(obj(d).modelRefs)) add(obj(r).model);
  for (const e of arr(cfg.vllm_endpoints)) for (const m of arr(obj(e).models)) add(m);
  for (const m of arr(obj(cfg.providers).models)) add(obj(m).name);
  for (const n of arr(obj(cfg.routing).auto_model_names)) add(n);
  return out;
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
