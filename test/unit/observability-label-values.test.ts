// The label values alerts and dashboards select on are declared once (label-values.ts): the catalog's
// HELP text and k8s/observability/README.md list exactly those, and tsc refuses a call site that
// emits another (the @ts-expect-error lines below fail `npx tsc` if an undeclared value compiles).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRIC_CATALOG } from '../../src/observability/catalog.ts';
import { DECLARED_REASONS, REQUEST_ERROR_REASONS } from '../../src/observability/label-values.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { Metrics } from '../../src/observability/types.ts';
import type { RefusalResponse } from '../../src/pipeline/context.ts';
import { guardErrorResponse } from '../../src/guard/immediate-responses.ts';

const README = readFileSync(new URL('../../k8s/observability/README.md', import.meta.url), 'utf8');

function help(name: string): string {
  const spec = METRIC_CATALOG.find((m) => m.name === name);
  if (!spec) throw new Error(`${name} is not in the catalog`);
  return spec.help;
}

/** The values a HELP line lists: a closing "(a, b, c)." list, else each "value:" it explains. */
function listedInHelp(text: string): string[] {
  const list = /\(([a-z0-9_]+(?:, [a-z0-9_]+)*)\)\.?$/.exec(text);
  if (list) return list[1]!.split(', ');
  return [...text.matchAll(/(?<![\w.])([a-z][a-z0-9_]*):/g)].map((m) => m[1]!);
}

/** The `value` bullets of the README list under the line that starts with `marker` and ends with a colon. */
function readmeBullets(marker: string): string[] {
  const lines = README.split('\n');
  const at = lines.findIndex((l) => l.startsWith(marker) && l.trimEnd().endsWith(':'));
  if (at < 0) throw new Error(`README has no line with ${marker}`);
  const out: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.trim()) {
      if (out.length) break;
      continue;
    }
    const m = /^- `([a-z0-9_]+)`/.exec(line);
    if (m) out.push(m[1]!);
    else if (!line.startsWith('  ')) break;
  }
  return out;
}

const sorted = (xs: readonly string[]) => [...xs].sort();

describe('declared label values', () => {
  for (const [metric, values] of Object.entries(DECLARED_REASONS)) {
    it(`${metric}: the HELP line lists exactly the declared reasons`, () => {
      expect(sorted(listedInHelp(help(metric)))).toEqual(sorted(values));
    });
    it(`${metric}: k8s/observability/README.md lists exactly the declared reasons`, () => {
      expect(sorted(readmeBullets(`\`${metric}{`))).toEqual(sorted(values));
    });
    it(`${metric}: no value is declared twice`, () => {
      expect(new Set(values).size).toBe(values.length);
    });
  }

  it('the README names the reasons semroute adds to the reference\'s, and the one it never emits', () => {
    // The reference's reasons (../shared/reference/vsr.md section 4.1).
    const reference = ['timeout', 'upstream_5xx', 'upstream_4xx', 'pii_policy_denied', 'jailbreak_block', 'parse_error', 'serialization_error', 'cancellation', 'classification_failed'];
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const line = readme.split('\n').find((l) => l.includes('`llm_request_errors_total` the reasons'));
    expect(line).toBeDefined();
    const [added, never] = line!.split(', and never ');
    const names = (text: string) => [...text.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]!).filter((n) => n !== 'llm_request_errors_total');
    expect(sorted(names(added!))).toEqual(sorted(REQUEST_ERROR_REASONS.filter((r) => !reference.includes(r))));
    expect(names(never!.split('(')[0]!)).toEqual(reference.filter((r) => !(REQUEST_ERROR_REASONS as readonly string[]).includes(r)));
  });

  it('the exposition carries the HELP line with every declared request error reason', () => {
    const text = createMetrics().render();
    const line = text.split('\n').find((l) => l.startsWith('# HELP llm_request_errors_total '));
    expect(line).toBeDefined();
    for (const r of REQUEST_ERROR_REASONS) expect(line).toMatch(new RegExp(`\\b${r}\\b`));
    expect(line).not.toMatch(/serialization_error/);
  });

  it('tsc refuses an undeclared value at a call site (checked by npx tsc; here the calls just run)', () => {
    const metrics: Metrics = createMetrics();
    metrics.inc('llm_request_errors_total', { model: 'unknown', reason: 'guard_unavailable' });
    // @ts-expect-error: serialization_error is not a declared llm_request_errors_total reason.
    metrics.inc('llm_request_errors_total', { model: 'unknown', reason: 'serialization_error' });
    // @ts-expect-error: the reason label is required.
    metrics.inc('llm_request_errors_total', { model: 'unknown' });
    // @ts-expect-error: not a declared llm_upstream_endpoint_errors_total reason.
    metrics.inc('llm_upstream_endpoint_errors_total', { endpoint: 'a', reason: 'refused' });
    // @ts-expect-error: not a declared llm_stream_rewrite_stopped_total reason.
    metrics.inc('llm_stream_rewrite_stopped_total', { reason: 'too_large' });
    // The pipeline counts a guardrail's answer under its reason: the answer types take declared ones only.
    expect(guardErrorResponse(503, 'm', 'guard_unavailable', 'guard_unavailable').reason).toBe('guard_unavailable');
    // @ts-expect-error: guard_refused is a log value, not a declared reason.
    guardErrorResponse(400, 'm', 'refused', 'guard_refused');
    // @ts-expect-error: a refusal built by hand is held to the declared reasons too.
    const refusal: RefusalResponse = { status: 400, headers: {}, contentType: 'application/json', body: '{}', reason: 'guard_refused' };
    expect(refusal.status).toBe(400);
    // Metrics without declared values take any labels.
    metrics.inc('llm_cache_skipped_total', { reason: 'anything' });
    expect(metrics.render()).toMatch(/llm_request_errors_total\{model="unknown",reason="guard_unavailable"\} 1/);
  });
});
