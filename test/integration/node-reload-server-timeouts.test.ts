// server.keep_alive_timeout_ms (and request_timeout_ms / headers_timeout_ms) apply on a config reload.
// They were restart-only: an operator raising the keep-alive timeout above a load balancer's idle timeout
// (README: Google Cloud's 600 s -> 620000), to stop the balancer's 502s from reusing connections the
// gateway had just closed, edited the ConfigMap and got "these settings need a restart". node:http reads
// these values per response and per check, so the running server takes them. A real process, SIGHUP,
// and a raw kept-alive socket: how long the gateway keeps it open after an answer.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, reloadWith, START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

/** One GET /health on a fresh kept-alive socket; resolves with the ms from its answer to the server's close (or `waitMs` if still open). */
function idleCloseAfterAnswer(port: number, waitMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let answeredAt = 0;
    let buf = '';
    const timer = setTimeout(() => (s.destroy(), resolve(waitMs)), waitMs + 5_000);
    s.on('error', reject);
    s.on('data', (d) => {
      buf += d;
      if (!answeredAt && buf.includes('\r\n\r\n') && buf.includes('"status"')) answeredAt = Date.now();
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(answeredAt ? Date.now() - answeredAt : -1);
    });
    s.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    // Held open by the test only as long as it needs to see the difference.
    setTimeout(() => (s.destroy(), clearTimeout(timer), resolve(waitMs)), waitMs);
  });
}

describe('a reload that changes server.keep_alive_timeout_ms', () => {
  it('applies it to the running server: 60 s -> 300 ms closes an idle kept-alive connection within seconds', async () => {
    const { file, base } = fx.configDir('semroute-reload-timeouts-');
    writeFileSync(file, `${base}server: { keep_alive_timeout_ms: 60000 }\n`);
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
    // At 60 s the idle connection outlives the 4 s this test looks.
    expect(await idleCloseAfterAnswer(gw.port, 4_000)).toBe(4_000);

    await reloadWith(gw, file, `${base}server: { keep_alive_timeout_ms: 300, request_timeout_ms: 120000, headers_timeout_ms: 30000 }\n`, 1);
    expect(gw.out()).not.toMatch(/need a restart/);
    const closedAfter = await idleCloseAfterAnswer(gw.port, 4_000);
    expect(closedAfter).toBeGreaterThanOrEqual(0);
    expect(closedAfter).toBeLessThan(4_000);
  }, START_BUDGET_MS + 30_000);
});
