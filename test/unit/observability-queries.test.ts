// Every query an operator runs (Grafana panels, alert and recording rules) and every metric call in
// the code base must name a metric the registry declares, so dashboards never show "no data" for a typo.
import { readdirSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerProcessMetrics } from '../../runtimes/node/process-metrics.ts';
import { declareReloadMetrics } from '../../runtimes/node/reload-metrics.ts';
import { METRIC_ALIASES, METRIC_CATALOG } from '../../src/observability/catalog.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { ensurePromtool, promtool } from '../fixtures/promtool.ts';

const ROOT = join(import.meta.dirname, '../..');
const RULES = join(ROOT, 'k8s/observability/prometheus-rules.yaml');
const DASHBOARD = join(ROOT, 'k8s/observability/grafana-dashboard.json');

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'Inf', 'NaN', 'inf', 'nan']);

/** Metric names in a PromQL expression: identifiers outside strings, matchers, ranges and grouping clauses that are not function calls. */
export function metricNames(expr: string): string[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const out = new Set<string>();
  for (const m of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = s[m.index! - 1] ?? ' ';
    if (/[0-9.$]/.test(before)) continue; // 1e-9, $variables
    if (s.slice(m.index! + m[0].length).trimStart().startsWith('(')) continue;
    if (KEYWORDS.has(m[0])) continue;
    out.add(m[0]);
  }
  return [...out];
}

/** Grafana variables replaced with values PromQL accepts, so promtool can parse the panel queries. */
function grafanaToPromql(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/"\$model"/g, '".*"')
    .replace(/"\$job"/g, '"semroute"');
}

const rulesDoc = parse(readFileSync(RULES, 'utf8'));
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
const ruleExprs: string[] = rulesDoc.spec.groups.flatMap((g: { rules: Array<{ expr: string }> }) => g.rules.map((r) => r.expr));
const recorded = new Set<string>(rulesDoc.spec.groups.flatMap((g: { rules: Array<{ record?: string }> }) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
const panelExprs: string[] = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((t) => t.expr));
const variableQueries: string[] = dashboard.templating.list.flatMap((v: { query?: { query?: string } }) =>
  typeof v.query === 'object' && v.query?.query ? [v.query.query] : [],
);

function knownNames(): Set<string> {
  const reg = createMetrics();
  const proc = registerProcessMetrics(reg);
  proc.stop();
  declareReloadMetrics(reg);
  const text = reg.render();
  const names = new Set<string>(['up']);
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m[1]! + suffix);
  }
  for (const r of recorded) names.add(r);
  for (const alias of Object.keys(METRIC_ALIASES)) names.add(alias);
  return names;
}

describe('dashboard and alert queries', () => {
  const known = knownNames();
  beforeAll(() => {
    ensurePromtool();
  }, 300_000);

  it('the crude PromQL scanner finds metric names and only those', () => {
    expect(
      metricNames('histogram_quantile(0.95, sum by (le, model) (rate(llm_x_bucket{model=~"a|b",le!="1"}[5m]))) / clamp_min(up, 1e-9) > bool 0'),
    ).toEqual(['llm_x_bucket', 'up']);
  });

  it('alert and recording rules pass promtool check rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-rules-'));
    const file = join(dir, 'rules.yml');
    writeFileSync(file, stringify(rulesDoc.spec));
    const r = promtool(['check', 'rules', file]);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it('every dashboard panel query is valid PromQL (checked by promtool as recording rules)', () => {
    expect(panelExprs.length).toBeGreaterThan(20);
    const dir = mkdtempSync(join(tmpdir(), 'semroute-dash-'));
    const file = join(dir, 'panels.yml');
    const rules = panelExprs.map((e, i) => ({ record: `semroute:panel_${i}`, expr: grafanaToPromql(e) }));
    writeFileSync(file, stringify({ groups: [{ name: 'panels', rules }] }));
    const r = promtool(['check', 'rules', file]);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('every metric named in a panel, variable or rule is one the registry declares', () => {
    const exprs = [...panelExprs, ...ruleExprs, ...variableQueries.map((q) => q.replace(/^label_values\(([^,]+),.*$/, '$1'))];
    const missing = new Set<string>();
    for (const e of exprs) for (const n of metricNames(e)) if (!known.has(n)) missing.add(n);
    expect([...missing]).toEqual([]);
  });

  it('the dashboard covers what operators asked for', () => {
    const all = panelExprs.join('\n');
    for (const m of [
      'llm_model_requests_total',
      'llm_request_errors_total',
      'llm_category_classifications_total',
      'llm_classifier_latency_seconds_bucket',
      'llm_model_ttft_seconds_bucket',
      'llm_model_tpot_seconds_bucket',
      'llm_cache_hits_total',
      'llm_cache_misses_total',
      'llm_jailbreak_detections_total',
      'llm_pii_violations_total',
      'llm_model_cost_total',
      // Failures failover hides from clients, and requests refused before the gateway read them.
      'llm_upstream_endpoint_errors_total',
      'llm_upstream_retries_total',
      'semroute_http_client_errors_total',
    ]) {
      expect(all, m).toContain(m);
    }
  });
});

/** Splits an object literal body at commas outside parentheses. */
function topLevelParts(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of body) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('metric calls in the code base', () => {
  it('name declared metrics with declared labels', () => {
    const known = knownNames();
    const labelsOf = new Map(METRIC_CATALOG.map((s) => [s.name, new Set(s.labels ?? [])]));
    const problems: string[] = [];
    const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'runtimes'))].filter((f) => !f.includes('/observability/'));
    let calls = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bm(?:etrics)?\??\.(inc|observe|set)\(\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'\s*(?:,\s*\{([^}]*)\})?/g)) {
        calls++;
        const name = METRIC_ALIASES[m[2]!] ?? m[2]!;
        const where = `${file.slice(ROOT.length + 1)}: ${m[2]}`;
        if (!known.has(name)) {
          problems.push(`${where} is not declared in src/observability/catalog.ts`);
          continue;
        }
        const declared = labelsOf.get(name);
        if (!declared || m[3] === undefined || m[3].includes('...')) continue;
        const keys = topLevelParts(m[3])
          .map((part) => part.split(':')[0]!.trim().replace(/^['"]|['"]$/g, ''))
          .filter(Boolean);
        for (const k of keys) if (!declared.has(k)) problems.push(`${where} uses label "${k}" (declared: ${[...declared].join(', ') || 'none'})`);
      }
    }
    expect(calls).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});
