// api.batch_classification.metrics.duration_buckets / size_buckets shape the batch histograms when the
// metrics registry is built, and a reload keeps the registry (counters never reset): so a reload that
// changes them cannot apply them. It said nothing (the README's restart list did not name them either);
// now it logs them with the other restart-only settings. A real process, a watched file, no packs.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();
const { procs } = fx;

describe('batch histogram buckets and a config reload', () => {
  it('a reload that changes duration_buckets says it needs a restart, and /metrics still serves the histogram', async () => {
    const { file: config, base } = fx.configDir('semroute-buckets-');
    const yaml = (le: string) =>
      base +
      `api: { batch_classification: { metrics: { duration_buckets: [${le}] } } }\n`;
    writeFileSync(config, yaml('0.5, 5'));
    const gw = await startGatewayProcess(config, [], procs);
    writeFileSync(config, yaml('0.25, 2.5'));
    const warned = await gw.waitFor(/[^\n]*need a restart[^\n]*/, 10_000);
    expect(warned).toContain('api.batch_classification.metrics.duration_buckets');
    await gw.waitFor(/"config reloaded"/, 10_000);
    const text = await (await fetch(`${gw.base}/metrics`)).text();
    expect(text).toContain('# TYPE batch_classification_duration_seconds histogram');
  }, 60_000);
});
