// server.drain_timeout_ms changed by a config reload is the one the next SIGTERM waits: the README
// lists it among the settings a reload applies (only server.host/port need a restart), but the
// process kept the start-up value, so a lowered timeout still held a rollout for the old one and a
// raised one still cut long streams early (operator audit: 20000 -> 500 by reload, SIGTERM waited 7.7 s
// for a stream). A real process, a watched config file, a real signal. No packs (routing off).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstEventThenRest } from './helpers/sse-stream.ts';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();
const { procs } = fx;

describe('drain timeout after a config reload', () => {
  it('a reload that lowers server.drain_timeout_ms: SIGTERM cuts a long stream at the new deadline', async () => {
    const { file: config, base } = fx.configDir('semroute-drain-reload-');
    const yaml = (drainMs: number) => `${base}server: { drain_timeout_ms: ${drainMs} }\n`;
    writeFileSync(config, yaml(20_000));
    const gw = await startGatewayProcess(config, [], procs);

    writeFileSync(config, yaml(500));
    await gw.waitFor(/"config reloaded"/, 10_000);
    expect(readFileSync(config, 'utf8')).toContain('drain_timeout_ms: 500');

    // ~10 s of stream: one chunk a second.
    const res = await fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-chunk-delay-ms': '1000' },
      body: JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const stream = await firstEventThenRest(res);

    const sent = Date.now();
    gw.proc.kill('SIGTERM');
    const draining = await gw.waitFor(/[^\n]*"draining"[^\n]*/, 5_000);
    expect(draining).toContain('"drain_timeout_ms":500');
    const { clean } = await stream.rest;
    expect(clean).toBe(false); // cut at the reloaded deadline, not run to its end under the old one
    expect(Date.now() - sent).toBeLessThan(5_000);
    expect((await gw.exit).code).toBe(0);
  }, 60_000);
});
