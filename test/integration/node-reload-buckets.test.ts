// api.batch_classification.metrics.duration_buckets / size_buckets shape the batch histograms when the
// metrics registry is built, and a reload keeps the registry (counters never reset): so a reload that
// changes them cannot apply them. It said nothing (the README's restart list did not name them either);
// now it logs them with the other restart-only settings. A real process, a watched file, no packs.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { startGatewayProcess } from './helpers/gateway-process.ts';

let mock: MockServer;
const procs: ChildProcess[] = [];
beforeAll(async () => {
  mock = await startMockServer();
});
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await mock?.close();
});

describe('batch histogram buckets and a config reload', () => {
  it('a reload that changes duration_buckets says it needs a restart, and /metrics still serves the histogram', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-buckets-'));
    mkdirSync(join(dir, 'packs'));
    const config = join(dir, 'config.yaml');
    const yaml = (le: string) =>
      `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock.port} }]\n` +
      `routing: { enabled: false }\npacks: { dir: ${join(dir, 'packs')} }\n` +
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
