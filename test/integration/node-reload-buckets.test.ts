// api.batch_classification.metrics.duration_buckets / size_buckets shape the batch histograms. They
// were restart-only (read when the metrics registry is built, and a reload keeps the registry): a
// reload that changed them logged "need a restart" and /metrics kept the old `le` bounds. A reload now
// gives the two histograms their new buckets; their series start over (an observation cannot be
// put in bounds it was not counted in; Prometheus reads the drop as a counter reset, as after a
// restart), and every other metric keeps its counts. A real process, a watched file, the jailbreak
// pack only (for a batch that succeeds).
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';
import { processFixture, START_BUDGET_MS, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

const bounds = (text: string, name: string) =>
  [...new Set(text.split('\n').filter((l) => l.startsWith(`${name}_bucket{`)).map((l) => /le="([^"]*)"/.exec(l)![1]))];

describe('batch histogram buckets and a config reload', () => {
  it('a reload that changes duration_buckets and size_buckets applies them to the next batch, with no restart asked for', async () => {
    const { dir, file, base } = fx.configDir('semroute-buckets-');
    cpSync(join(REPO, 'models/jailbreak'), join(dir, 'packs/jailbreak'), { recursive: true });
    const yaml = (le: string, size: string) =>
      base.replace(/packs: \{ dir: ([^ ]+) \}/, 'packs: { dir: $1, jailbreak: jailbreak }') +
      `api: { batch_classification: { metrics: { duration_buckets: [${le}], size_buckets: [${size}] } } }\n`;
    writeFileSync(file, yaml('0.5, 5', '1, 10'));
    const gw = await startGatewayProcess(file, [], fx.procs);
    const batch = async () => {
      const res = await fetch(`${gw.base}/api/v1/classify/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ texts: ['What is the capital of France?', 'Tell me a joke'], task_type: 'security' }),
      });
      expect(res.status).toBe(200);
      await res.text();
      return (await fetch(`${gw.base}/metrics`)).text();
    };
    let text = await batch();
    expect(bounds(text, 'batch_classification_duration_seconds')).toEqual(['0.5', '5', '+Inf']);
    expect(bounds(text, 'batch_classification_size_distribution')).toEqual(['1', '10', '+Inf']);
    const requests = /batch_classification_requests_total\{[^}]*\} (\d+)/;
    expect(requests.exec(text)![1]).toBe('1');

    writeFileSync(file, yaml('0.25, 2.5, 25', '2, 20'));
    await gw.waitFor(/"config reloaded"/, 10_000);
    text = await batch();
    expect(bounds(text, 'batch_classification_duration_seconds')).toEqual(['0.25', '2.5', '25', '+Inf']);
    expect(bounds(text, 'batch_classification_size_distribution')).toEqual(['2', '20', '+Inf']);
    // The histograms count from the reload on; the counters count on.
    expect(text).toMatch(/batch_classification_size_distribution_count\{[^}]*\} 1\n/);
    expect(text).toMatch(/batch_classification_size_distribution_bucket\{[^}]*le="2"\} 1\n/);
    expect(requests.exec(text)![1]).toBe('2');
    expect(gw.out()).not.toContain('need a restart');
  }, START_BUDGET_MS + 30_000);
});
