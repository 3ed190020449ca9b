// Whether the config file on disk is the one serving, as a gauge an alert can hold on to. A refused
// reload leaves the pod on its previous config, and the next restart of any pod fails on the same file
// (exit 1, CrashLoopBackOff); the error counter's increase over a window forgets it after that window.
// semroute_config_last_reload_successful (as Prometheus's own prometheus_config_last_reload_successful)
// stays 0 until a reload succeeds, and SemrouteConfigReloadFailed fires on it (promtool test rules).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';
import { promtool } from '../fixtures/promtool.ts';

const fx = processFixture();
const GAUGE = 'semroute_config_last_reload_successful';

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('config reload status', () => {
  it(`${GAUGE} is 1 at start-up, 0 after a refused reload while the old config serves, 1 again once a reload succeeds`, async () => {
    const { dir, file, base } = fx.configDir('semroute-reload-status-');
    try {
      writeFileSync(file, base);
      const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
      const gauge = async () => sample(await (await fetch(`${gw.base}/metrics`)).text(), GAUGE);
      expect(await gauge()).toBe(1);

      writeFileSync(file, `${base}server: { port: "8801" }\n`);
      gw.proc.kill('SIGHUP');
      // The reference's structured event name (vsr.md 4.2: config_reloaded), for log pipelines keyed on `event`.
      expect(JSON.parse(await gw.waitFor(/[^\n]*config reload failed[^\n]*/))).toMatchObject({ event: 'config_reload_failed', trigger: 'SIGHUP' });
      expect(await gauge()).toBe(0);
      // Still serving the previous config.
      expect((await fetch(`${gw.base}/ready`)).status).toBe(200);

      writeFileSync(file, `${base}session_key: x-tenant\n`);
      gw.proc.kill('SIGHUP');
      expect(JSON.parse(await gw.waitFor(/[^\n]*"config reloaded"[^\n]*/))).toMatchObject({ event: 'config_reloaded', trigger: 'SIGHUP' });
      expect(await gauge()).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('SemrouteConfigReloadFailed fires while the gauge is 0, and not after a good reload', () => {
    const rules = parse(readFileSync(join(import.meta.dirname, '../../k8s/observability/prometheus-rules.yaml'), 'utf8')) as { spec: unknown };
    const dir = mkdtempSync(join(tmpdir(), 'semroute-reload-rule-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), stringify(rules.spec));
      const series = (values: string) => [{ series: `${GAUGE}{job="semroute",instance="pod-a"}`, values }];
      const tests = [
        {
          interval: '1m',
          // Refused at minute 2, never fixed: still firing an hour later.
          input_series: series('1 1 0x90'),
          alert_rule_test: [
            { eval_time: '4m', alertname: 'SemrouteConfigReloadFailed', exp_alerts: [] },
            {
              eval_time: '60m',
              alertname: 'SemrouteConfigReloadFailed',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', job: 'semroute', instance: 'pod-a' },
                  exp_annotations: {
                    summary: 'semroute on pod-a refused its config file',
                    description:
                      'The config file mounted on pod-a is invalid or its packs do not load; the pod serves its previous config, and a restart would fail on the file. The pod\'s log line "config reload failed" names the key paths.',
                  },
                },
              ],
            },
          ],
        },
        { interval: '1m', input_series: series('1 0 0 1x60'), alert_rule_test: [{ eval_time: '30m', alertname: 'SemrouteConfigReloadFailed', exp_alerts: [] }] },
      ];
      writeFileSync(join(dir, 'tests.yml'), stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }));
      const r = promtool(['test', 'rules', join(dir, 'tests.yml')]);
      expect(r.output).toContain('SUCCESS');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
