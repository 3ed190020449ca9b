// observability.metrics.enabled: false (a key of the reference's config, in config/config.yaml) turns
// /metrics off: the gateway port answers 404 for it and no separate metrics port is opened from
// observability.metrics.port. It used to be accepted and ignored (operator audit: /metrics still
// served every series). Restart-only, like the metrics port: a reload that flips it says so.
// A real process, a real config file; no packs (routing off).
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();
const { procs } = fx;

const bases = new Map<string, string>();
function writeConfig(enabled: boolean, file?: string): string {
  let path = file;
  if (!path) {
    const c = fx.configDir('semroute-metrics-off-');
    path = c.file;
    bases.set(path, c.base);
  }
  writeFileSync(path, `${bases.get(path)}observability: { metrics: { enabled: ${enabled}, port: 0 } }\n`);
  return path;
}

describe('observability.metrics.enabled', () => {
  it('false: GET /metrics is 404 on the gateway and no metrics port opens; a reload to true needs a restart', async () => {
    const config = writeConfig(false);
    const gw = await startGatewayProcess(config, [], procs);
    const chat = await fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    expect((await fetch(`${gw.base}/health`)).status).toBe(200);
    const res = await fetch(`${gw.base}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('llm_model_requests_total');
    expect(gw.out()).not.toContain('"metrics listening"');
    // The discovery documents do not offer what answers 404 (they listed GET /metrics regardless).
    const listed = ((await (await fetch(`${gw.base}/api/v1`)).json()) as { endpoints: { path: string }[] }).endpoints.map((x) => x.path);
    expect(listed).toContain('/health');
    expect(listed).not.toContain('/metrics');
    const spec = (await (await fetch(`${gw.base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(spec.paths['/health']).toBeDefined();
    expect(spec.paths['/metrics']).toBeUndefined();

    writeConfig(true, config);
    const warned = await gw.waitFor(/[^\n]*need a restart[^\n]*/, 10_000);
    expect(warned).toContain('observability.metrics.enabled');
    await gw.waitFor(/"config reloaded"/, 10_000);
    expect((await fetch(`${gw.base}/metrics`)).status).toBe(404);
  }, 60_000);

  it('true (the default): /metrics is served on the gateway and on observability.metrics.port', async () => {
    const gw = await startGatewayProcess(writeConfig(true), [], procs);
    const res = await fetch(`${gw.base}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE llm_model_requests_total counter');
    const listed = ((await (await fetch(`${gw.base}/api/v1`)).json()) as { endpoints: { path: string }[] }).endpoints.map((x) => x.path);
    expect(listed).toContain('/metrics');
    expect(((await (await fetch(`${gw.base}/openapi.json`)).json()) as { paths: Record<string, unknown> }).paths['/metrics']).toBeDefined();
    const line = await gw.waitFor(/[^\n]*"metrics listening"[^\n]*/, 10_000);
    const port = Number(/"port":(\d+)/.exec(line)![1]);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
  }, 60_000);
});
