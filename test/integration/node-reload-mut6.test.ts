// Mutation audit 6 of the reload settings (f6c694d, 6efe789). Survivors of node-reload-series-cap,
// -buckets, -log-prompts, -restart-keys, each something an operator sees after a ConfigMap edit:
// - a reload that leaves the batch buckets as they were must not start the batch histograms over
//   (setBuckets answering "changed" always: every reload was a Prometheus counter reset), and one that
//   drops the keys goes back to the catalog's buckets (not the file's old ones);
// (debug_log_prompts with a level change: test/unit/node-logger-prompts-level-mut6.test.ts, as a
// process started at warn logs no "listening" line for the harness to find its port in.)
// - --host and --metrics-port set extproc.host and observability.metrics.port too: a reload changing
//   them in the file says the command line sets them, not "need a restart".
// A real process each, SIGHUP or the watched file, fetch.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postJson, REPO } from './gateway-harness.ts';
import { processFixture, reloadWith, START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';
import { BATCH_DURATION_BUCKETS, BATCH_SIZE_BUCKETS } from '../../src/observability/catalog.ts';

const fx = processFixture();

const bounds = (text: string, name: string) =>
  [...new Set(text.split('\n').filter((l) => l.startsWith(`${name}_bucket{`)).map((l) => /le="([^"]*)"/.exec(l)![1]))];
const metricsOf = async (gw: GatewayProcess) => (await fetch(`${gw.base}/metrics`)).text();

describe('reload settings, mutation audit 6', () => {
  it('batch histograms keep their counts over a reload that keeps their buckets; dropping the keys gives the catalog\'s', async () => {
    const { dir, file, base } = fx.configDir('semroute-buckets-mut6-');
    cpSync(join(REPO, 'models/jailbreak'), join(dir, 'packs/jailbreak'), { recursive: true });
    const packs = base.replace(/packs: \{ dir: ([^ ]+) \}/, 'packs: { dir: $1, jailbreak: jailbreak }');
    const buckets = 'api: { batch_classification: { metrics: { duration_buckets: [0.5, 5], size_buckets: [1, 10] } } }\n';
    writeFileSync(file, packs + buckets);
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
    const batch = async () => expect((await postJson(gw.base, '/api/v1/classify/batch', { texts: ['Tell me a joke'], task_type: 'security' })).status).toBe(200);
    await batch();
    const counted = /batch_classification_size_distribution_count\{[^}]*\} 1\n/;
    expect(await metricsOf(gw)).toMatch(counted);

    // Another setting changes; the buckets are the same.
    await reloadWith(gw, file, packs + buckets + 'default_reasoning_effort: low\n', 1);
    const text = await metricsOf(gw);
    expect(text).toMatch(counted);
    expect(bounds(text, 'batch_classification_size_distribution')).toEqual(['1', '10', '+Inf']);
    expect(gw.out()).not.toContain('count again from zero');

    await reloadWith(gw, file, packs, 2);
    await batch();
    const after = await metricsOf(gw);
    expect(bounds(after, 'batch_classification_duration_seconds')).toEqual([...BATCH_DURATION_BUCKETS.map(String), '+Inf']);
    expect(bounds(after, 'batch_classification_size_distribution')).toEqual([...BATCH_SIZE_BUCKETS.map(String), '+Inf']);
  }, START_BUDGET_MS + 30_000);

  it('--host and --metrics-port: a reload changing extproc.host and metrics.port names them as the command line\'s', async () => {
    const { file, base } = fx.configDir('semroute-restart-keys-mut6-');
    writeFileSync(file, base);
    const gw = await startGatewayProcess(file, ['--no-config-watch', '--metrics-port', '0'], fx.procs);
    await reloadWith(gw, file, base + 'extproc: { host: 127.0.0.3 }\nobservability: { metrics: { port: 19191 } }\n', 1);
    const cli = JSON.parse(await gw.waitFor(/\{[^\n]*the command line sets[^\n]*/, 10_000)) as { keys: string[] };
    expect(cli.keys.sort()).toEqual(['extproc.host', 'observability.metrics.port']);
    expect(gw.out()).not.toContain('need a restart');
  }, START_BUDGET_MS + 20_000);
});
