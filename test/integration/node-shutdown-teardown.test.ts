// After the SIGTERM drain, the teardown (metrics port, packs, the tracer's last export) is bounded:
// k8s/base's grace period is 35 s for a 5 s preStop and a 25 s drain, and the process must exit 0
// inside it. Before: with tracing on and a collector that takes the connection but never answers, the
// exporter's flush held the exit for its own 10 s timeout (5 + 25 + 10 > 35: SIGKILL, exit 137, after
// a drain that ran to its deadline). A real process and a TCP server that never answers.
import net from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();
const silent: net.Socket[] = [];
const collector = net.createServer((s) => {
  silent.push(s);
  s.on('data', () => {});
});
afterAll(async () => {
  for (const s of silent) s.destroy();
  await new Promise((r) => collector.close(r));
});

describe('SIGTERM teardown', () => {
  it('a tracing collector that never answers does not hold the exit past a few seconds; the exit is 0 and says what it gave up', async () => {
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const port = (collector.address() as net.AddressInfo).port;
    const { dir, file, base } = fx.configDir('semroute-teardown-');
    try {
      writeFileSync(file, `${base}observability: { tracing: { enabled: true, exporter: { type: otlp, endpoint: "127.0.0.1:${port}" } } }\n`);
      const gw = await startGatewayProcess(file, [], fx.procs);
      // Spans waiting in the batch for the collector.
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${gw.base}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hello' }] }),
        });
        expect(r.status).toBe(200);
        await r.text();
      }
      const sent = Date.now();
      gw.proc.kill('SIGTERM');
      const { code, at } = await gw.exit;
      expect(code).toBe(0);
      expect(at - sent).toBeLessThan(5_000);
      expect(gw.out()).toMatch(/"drained"/);
      expect(gw.out()).toMatch(/teardown/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
