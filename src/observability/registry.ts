// A small Prometheus registry (text exposition format 0.0.4) with no runtime imports, so the same
// code serves /metrics on Node and in a Worker. It never throws at a call site: unknown names are
// declared on first use, bad values are dropped, and label cardinality is capped per metric so a
// stray unbounded value (an id, a client-chosen model name) cannot grow memory or the scrape.
import type { Labels, Metrics } from './types.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  name: string;
  help: string;
  type: MetricType;
  labels?: readonly string[];
  buckets?: readonly number[];
}

export interface RegistryOptions {
  /** Series per metric before new label sets collapse into one series whose labels are all "other". */
  maxSeriesPerMetric?: number;
  /** Metric families before undeclared names are dropped. */
  maxFamilies?: number;
  /** Longest label value kept; longer values are cut (ids and text do not belong in labels anyway). */
  maxLabelValueLength?: number;
}

export interface Registry extends Metrics {
  declare(spec: MetricSpec): void;
  /** Let `name` be recorded under another name (kept for names the reference uses that fail promtool lint). */
  alias(from: string, to: string): void;
  /** Label values outside `allowed` are recorded as "other" (e.g. model names from the config). */
  restrictLabel(label: string, allowed: Iterable<string>): void;
  /** Drops every series of a family (a labelled one loses them all; one without labels keeps its one series, reset to 0). */
  clear(name: string): void;
  /**
   * A new series cap (a config reload): series past a lowered cap stay (counters never reset), new
   * label sets go to "other" while a family is at or over it.
   */
  setMaxSeriesPerMetric(n: number): void;
  /**
   * New bucket bounds for a declared histogram; when they differ its series are dropped (an observation
   * cannot be put in bounds it was not counted in). True when they changed.
   */
  setBuckets(name: string, buckets: readonly number[]): boolean;
  /** Called before each render, e.g. to sample process metrics. */
  addCollector(collect: () => void): void;
  /** Current value of a counter/gauge series, or a histogram's count (for tests and /info). */
  value(name: string, labels?: Labels): number | undefined;
  has(name: string): boolean;
  names(): string[];
}

export const OTHER = 'other';
export const OVERFLOW_METRIC = 'llm_metrics_series_overflow_total';
export const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  values: string[];
  value: number;
  counts?: Float64Array;
  sum: number;
}

interface Family {
  spec: MetricSpec;
  labels: string[];
  /** Keys read from the caller's label object, index-aligned with `labels` (they differ only when sanitized). */
  keys: string[];
  buckets: number[];
  series: Map<string, Series>;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function sanitizeMetricName(name: string): string {
  if (NAME_RE.test(name)) return name;
  const s = String(name).replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s || '_';
}

function sanitizeLabelName(name: string): string {
  let s = LABEL_RE.test(name) ? name : String(name).replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(s)) s = `_${s}`;
  // "__" names are reserved for Prometheus itself.
  while (s.startsWith('__')) s = s.slice(1);
  return s || '_';
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function createRegistry(opts: RegistryOptions = {}): Registry {
  let maxSeries = opts.maxSeriesPerMetric ?? 500;
  const maxFamilies = opts.maxFamilies ?? 512;
  const maxLen = opts.maxLabelValueLength ?? 100;
  const families = new Map<string, Family>();
  const aliases = new Map<string, string>();
  const restricted = new Map<string, Set<string>>();
  const collectors: Array<() => void> = [];
  // The family each name a call site used resolved to: a request makes ~15 calls, and resolving (alias,
  // sanitize regex, lookup) was most of their cost. Emptied whenever a declare or alias could change it.
  const resolved = new Map<string, Family>();

  function declare(spec: MetricSpec): void {
    const name = sanitizeMetricName(spec.name);
    if (families.has(name)) return;
    resolved.clear();
    const labels: string[] = [];
    const keys: string[] = [];
    for (const key of spec.labels ?? []) {
      let label = sanitizeLabelName(key);
      // "le" belongs to the histogram's buckets.
      if (spec.type === 'histogram' && label === 'le') label = 'le_';
      if (labels.includes(label)) continue;
      labels.push(label);
      keys.push(key);
    }
    const buckets = spec.type === 'histogram' ? normalizeBuckets(spec.buckets ?? DEFAULT_BUCKETS) : [];
    const fam: Family = { spec: { ...spec, name, labels }, labels, keys, buckets, series: new Map() };
    families.set(name, fam);
    // A family without labels always has its one series, so rate() and promtool see it from the start.
    if (labels.length === 0) getSeries(fam, []);
  }

  function family(rawName: string, type: MetricType, labels: Labels | undefined): Family | undefined {
    const hit = resolved.get(rawName);
    if (hit) return hit;
    const known = aliases.get(rawName);
    const fam = families.get(sanitizeMetricName(known ?? rawName));
    if (fam) {
      // Bounded like everything else here (names come from code, but a caller could build them).
      if (resolved.size >= 4 * maxFamilies) resolved.clear();
      resolved.set(rawName, fam);
      return fam;
    }
    if (families.size >= maxFamilies) return undefined;
    // Undeclared: pick a name promtool's linter accepts and remember the mapping for later calls.
    const name = lintCleanName(sanitizeMetricName(rawName), type);
    if (name !== rawName) aliases.set(rawName, name);
    if (families.has(name)) return families.get(name);
    declare({
      name,
      help: `${name} (declared on first use)`,
      type,
      labels: Object.keys(labels ?? {}).sort().slice(0, 8),
    });
    return families.get(name);
  }

  function labelValue(label: string, raw: unknown): string {
    let v = raw === undefined || raw === null ? '' : String(raw);
    // A restricted label takes only values from its set, kept whole: compared after the cut below,
    // a configured model named longer than maxLen never matched and was counted as "other".
    const allowed = restricted.get(label);
    if (allowed) return v === '' || allowed.has(v) ? v : OTHER;
    if (v.length > maxLen) {
      v = v.slice(0, maxLen);
      // Not half a surrogate pair (it would reach the scrape as U+FFFD).
      if (/[\ud800-\udbff]$/.test(v)) v = v.slice(0, -1);
    }
    return v;
  }

  function getSeries(fam: Family, values: string[]): Series {
    // One label (most families): its value is the key join would give.
    const key = values.length === 1 ? values[0]! : values.join('\u0001');
    let s = fam.series.get(key);
    if (s) return s;
    if (fam.series.size >= maxSeries) {
      // Collapse: one extra series per metric holds everything past the cap.
      const otherValues = fam.labels.map(() => OTHER);
      const otherKey = otherValues.join('\u0001');
      noteOverflow(fam.spec.name);
      s = fam.series.get(otherKey);
      if (s) return s;
      s = newSeries(fam, otherValues);
      fam.series.set(otherKey, s);
      return s;
    }
    s = newSeries(fam, values);
    fam.series.set(key, s);
    return s;
  }

  function noteOverflow(metric: string): void {
    if (metric === OVERFLOW_METRIC) return;
    const fam = families.get(OVERFLOW_METRIC);
    if (fam) getSeries(fam, [metric]).value += 1;
  }

  function valuesFor(fam: Family, labels: Labels | undefined): string[] {
    const values = new Array<string>(fam.keys.length);
    for (let i = 0; i < fam.keys.length; i++) values[i] = labelValue(fam.labels[i]!, labels?.[fam.keys[i]!]);
    return values;
  }

  function seriesFor(fam: Family, labels: Labels | undefined): Series {
    return getSeries(fam, valuesFor(fam, labels));
  }

  const reg: Registry = {
    declare,
    alias(from, to) {
      aliases.set(from, to);
      resolved.clear();
    },
    restrictLabel(label, allowed) {
      restricted.set(sanitizeLabelName(label), new Set(allowed));
    },
    addCollector(collect) {
      collectors.push(collect);
    },
    setMaxSeriesPerMetric(n) {
      if (Number.isInteger(n) && n > 0) maxSeries = n;
    },
    setBuckets(name, buckets) {
      const fam = families.get(sanitizeMetricName(aliases.get(name) ?? name));
      if (!fam || fam.spec.type !== 'histogram') return false;
      const next = normalizeBuckets(buckets);
      if (next.length === fam.buckets.length && next.every((b, i) => b === fam.buckets[i])) return false;
      fam.buckets = next;
      fam.spec = { ...fam.spec, buckets: next };
      fam.series.clear();
      if (fam.labels.length === 0) getSeries(fam, []);
      return true;
    },
    clear(name) {
      const fam = families.get(sanitizeMetricName(aliases.get(name) ?? name));
      if (!fam) return;
      fam.series.clear();
      if (fam.labels.length === 0) getSeries(fam, []);
    },
    inc(name, labels, value = 1) {
      if (!Number.isFinite(value) || value < 0) return;
      const fam = family(name, 'counter', labels);
      if (!fam || fam.spec.type === 'histogram') return;
      seriesFor(fam, labels).value += value;
    },
    set(name, labels, value) {
      if (Number.isNaN(value)) return;
      const fam = family(name, 'gauge', labels);
      if (!fam || fam.spec.type === 'histogram') return;
      // Counters may be set too: collectors copy totals the runtime keeps (CPU seconds).
      if (fam.spec.type === 'counter' && !(value >= 0)) return;
      seriesFor(fam, labels).value = value;
    },
    observe(name, labels, value) {
      if (!Number.isFinite(value)) return;
      const fam = family(name, 'histogram', labels);
      if (!fam || fam.spec.type !== 'histogram') return;
      const s = seriesFor(fam, labels);
      const counts = s.counts!;
      for (let i = 0; i < fam.buckets.length; i++) if (value <= fam.buckets[i]!) counts[i]! += 1;
      s.sum += value;
      s.value += 1;
    },
    value(name, labels) {
      const fam = families.get(sanitizeMetricName(aliases.get(name) ?? name));
      if (!fam) return undefined;
      return fam.series.get(valuesFor(fam, labels).join('\u0001'))?.value;
    },
    has(name) {
      return families.has(sanitizeMetricName(aliases.get(name) ?? name));
    },
    names() {
      return [...families.keys()];
    },
    render() {
      for (const c of collectors) {
        try {
          c();
        } catch {
          // A failing collector must not break the scrape.
        }
      }
      const out: string[] = [];
      for (const fam of families.values()) renderFamily(fam, out);
      return out.join('\n') + '\n';
    },
  };
  return reg;
}

/** Counters end in _total; other types do not end in a suffix Prometheus reserves; snake_case. */
function lintCleanName(name: string, type: MetricType): string {
  let n = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/:/g, '_');
  n = n.split('_').filter((part) => part !== type).join('_') || 'metric';
  if (type === 'counter') return n.endsWith('_total') ? n : `${n}_total`;
  for (const suffix of ['_total', '_count', '_sum', '_bucket']) {
    if (n.endsWith(suffix) && n.length > suffix.length) n = n.slice(0, -suffix.length);
  }
  return n;
}

function newSeries(fam: Family, values: string[]): Series {
  const s: Series = { values, value: 0, sum: 0 };
  if (fam.spec.type === 'histogram') s.counts = new Float64Array(fam.buckets.length);
  return s;
}

function normalizeBuckets(b: readonly number[]): number[] {
  const out = [...new Set(b.filter((x) => Number.isFinite(x)))].sort((x, y) => x - y);
  return out.length ? out : [...DEFAULT_BUCKETS];
}

function labelText(names: string[], values: string[], extra?: [string, string]): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) parts.push(`${names[i]}="${escapeLabelValue(values[i]!)}"`);
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function renderFamily(fam: Family, out: string[]): void {
  const { name, help, type } = fam.spec;
  out.push(`# HELP ${name} ${escapeHelp(help)}`);
  out.push(`# TYPE ${name} ${type}`);
  for (const s of fam.series.values()) {
    if (type !== 'histogram') {
      out.push(`${name}${labelText(fam.labels, s.values)} ${formatNumber(s.value)}`);
      continue;
    }
    for (let i = 0; i < fam.buckets.length; i++) {
      const le = formatNumber(fam.buckets[i]!);
      out.push(`${name}_bucket${labelText(fam.labels, s.values, ['le', le])} ${formatNumber(s.counts![i]!)}`);
    }
    out.push(`${name}_bucket${labelText(fam.labels, s.values, ['le', '+Inf'])} ${formatNumber(s.value)}`);
    out.push(`${name}_sum${labelText(fam.labels, s.values)} ${formatNumber(s.sum)}`);
    out.push(`${name}_count${labelText(fam.labels, s.values)} ${formatNumber(s.value)}`);
  }
}
