// The alert rules run against synthetic series with `promtool test rules` (Prometheus's own rule
// evaluator): SemrouteHighErrorRatio fires on failing requests, and not on clients that cancel (a user
// pressing stop mid-stream is counted as reason=cancellation, the reference's reason, but nothing
// failed; the rule's description names timeouts, upstream 4xx/5xx, parse and classification failures).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePromtool, promtool } from '../fixtures/promtool.ts';

const RULES = join(import.meta.dirname, '../../k8s/observability/prometheus-rules.yaml');

function runTests(tests: unknown[]): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'semroute-rule-tests-'));
  writeFileSync(join(dir, 'rules.yml'), stringify((parse(readFileSync(RULES, 'utf8')) as { spec: unknown }).spec));
  writeFileSync(join(dir, 'tests.yml'), stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }));
  return promtool(['test', 'rules', join(dir, 'tests.yml')]);
}

/** One minute-resolution test: 1 request/s to qwen3 for 30 min, of which `errorsPerMin` fail with `reason`. */
function errorRatioTest(reason: string, errorsPerMin: number, alerts: unknown[]) {
  return {
    interval: '1m',
    input_series: [
      { series: 'llm_model_requests_total{job="semroute",model="qwen3"}', values: '0+60x30' },
      { series: `llm_request_errors_total{job="semroute",model="qwen3",reason="${reason}"}`, values: `0+${errorsPerMin}x30` },
    ],
    alert_rule_test: [{ eval_time: '25m', alertname: 'SemrouteHighErrorRatio', exp_alerts: alerts }],
  };
}

describe('SemrouteHighErrorRatio (promtool test rules)', () => {
  beforeAll(() => {
    ensurePromtool();
  }, 300_000);

  it('fires when 50% of the requests to a model fail upstream', () => {
    const exp_annotations = {
      summary: 'More than 5% of requests to qwen3 fail',
      description: 'Errors other than policy blocks and client cancellations are 50% of requests to qwen3 (timeouts, upstream 4xx/5xx, parse or classification failures).',
    };
    const r = runTests([errorRatioTest('upstream_5xx', 30, [{ exp_labels: { model: 'qwen3', severity: 'warning' }, exp_annotations }])]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('stays quiet when half the clients cancel their streams', () => {
    const r = runTests([errorRatioTest('cancellation', 30, [])]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

describe('SemrouteUpstreamUnavailable (promtool test rules)', () => {
  // Every reason the gateway gives an upstream failure (src/upstream/forward.ts): no endpoint took the
  // connection, a 5xx, no head in time, and a request that failed or an answer cut short (upstream_error).
  it.each(['upstream_unavailable', 'upstream_5xx', 'timeout', 'upstream_error'])('fires on 1 failure/s with reason %s', (reason) => {
    const test = {
      interval: '1m',
      input_series: [{ series: `llm_request_errors_total{job="semroute",model="qwen3",reason="${reason}"}`, values: '0+60x20' }],
      alert_rule_test: [{ eval_time: '15m', alertname: 'SemrouteUpstreamUnavailable', exp_alerts: [{ exp_labels: { model: 'qwen3', severity: 'critical' }, exp_annotations: { summary: 'The upstream for qwen3 is failing', description: '1 requests/s to qwen3 end in upstream 5xx, timeouts, failed or cut answers, or no reachable endpoint.' } }] }],
    };
    const r = runTests([test]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
