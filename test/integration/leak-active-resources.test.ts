// nodejs_active_resources must come back down when a kind of libuv resource is gone: the soak
// (bench/soak.ts) saw Timeout and Immediate series keep their last value on an idle gateway, since the
// collector set only the types alive at the scrape and never lowered one that had left.
import { mkdtempSync } from 'node:fs';
import { watch, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../runtimes/node/metrics-server.ts';
import { registerProcessMetrics, type ProcessMetricsHandle } from '../../runtimes/node/process-metrics.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

const TYPE = 'FSEventWrap'; // a file watcher: nothing else in a test worker holds one

async function scrapeResources(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^nodejs_active_resources\{type="([^"]+)"\} (\S+)$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

describe('nodejs_active_resources after the resources are gone', () => {
  const metrics = createMetrics();
  let server: MetricsServer;
  let proc: ProcessMetricsHandle;
  beforeAll(async () => {
    proc = registerProcessMetrics(metrics);
    server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    proc.stop();
    await server.close();
  });

  it('reads 0 for a type that was alive at an earlier scrape and is not any more', async () => {
    expect((await scrapeResources(server.port)).get(TYPE) ?? 0).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'leak-res-'));
    const watchers: FSWatcher[] = [0, 1, 2].map(() => watch(dir));
    expect((await scrapeResources(server.port)).get(TYPE)).toBe(3);
    for (const w of watchers) w.close();
    await new Promise((r) => setTimeout(r, 20)); // the handles close on the next turns
    const after = await scrapeResources(server.port);
    expect(after.get(TYPE)).toBe(0);
    // The types still alive are still counted (the metrics server's own listener among them).
    expect(after.get('TCPServerWrap')).toBeGreaterThanOrEqual(1);
  });
});
