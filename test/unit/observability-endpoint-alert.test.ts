// SemrouteUpstreamEndpointFailing (k8s/observability/prometheus-rules.yaml) through `promtool test
// rules`: one vllm_endpoints entry refusing connections while failover keeps every request answered
// (no request error, so SemrouteUpstreamUnavailable stays quiet) is still told, by endpoint; a stale
// keep-alive retry counts nothing, and timeouts are left to the per-model alert.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePromtool, promtool } from '../fixtures/promtool.ts';

const RULES = join(import.meta.dirname, '../../k8s/observability/prometheus-rules.yaml');

function run(reason: string, perMin: number, alerts: unknown[]): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'semroute-endpoint-alert-'));
  writeFileSync(join(dir, 'rules.yml'), stringify((parse(readFileSync(RULES, 'utf8')) as { spec: unknown }).spec));
  const test = {
    interval: '1m',
    input_series: [
      { series: 'llm_model_requests_total{job="semroute",model="qwen3"}', values: '0+60x30' },
      { series: `llm_upstream_endpoint_errors_total{job="semroute",endpoint="b",reason="${reason}"}`, values: `0+${perMin}x30` },
    ],
    alert_rule_test: [
      { eval_time: '25m', alertname: 'SemrouteUpstreamEndpointFailing', exp_alerts: alerts },
      { eval_time: '25m', alertname: 'SemrouteUpstreamUnavailable', exp_alerts: [] },
    ],
  };
  writeFileSync(join(dir, 'tests.yml'), stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests: [test] }));
  return promtool(['test', 'rules', join(dir, 'tests.yml')]);
}

describe('SemrouteUpstreamEndpointFailing (promtool test rules)', () => {
  beforeAll(() => {
    ensurePromtool();
  }, 300_000);

  it.each(['connect', 'closed'])('fires on an endpoint failing with reason %s while requests still succeed', (reason) => {
    const r = run(reason, 6, [
      {
        exp_labels: { endpoint: 'b', reason, severity: 'warning' },
        exp_annotations: {
          summary: `Upstream endpoint b is failing (${reason})`,
          description: 'vllm_endpoints entry b fails 100m attempts/s before any byte of an answer (connect: refused, unresolved or TLS, the next endpoint tried; closed: the request read and dropped). Failover may hide it from clients while capacity is short.',
        },
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('stays quiet on timeouts (the per-model alert says those) and on a rare failure', () => {
    expect(run('timeout', 6, []).status).toBe(0);
    expect(run('connect', 0, []).status).toBe(0);
  });
});
