// OTLP export as an operator meets it: a real process, a real OTLP/HTTP collector socket. Spans reach
// the collector with the configured auth header and service name; when the collector is unreachable,
// the log says so (with the endpoint's error, never the header's secret). Before, a failed export was
// dropped in silence (the SDK reports it to an OpenTelemetry diag logger nobody had set), so a wrong
// collector address looked like "no traffic" in the tracing backend and nothing anywhere said why.
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();
// Neither the batch processor's 5 s default delay before it exports nor the OTLP exporter's 10 s
// default deadline (which an unreachable collector's retries, 1 s backoff and up, run out before the
// failure is reported) is what these tests are about: the gateway processes inherit this environment
// (the SDK's own variables), so each export starts after 200 ms and an unreachable collector's
// connection error is reported after 2 s of retries instead of 10.
const ENV = { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000' };
const envBefore = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
Object.assign(process.env, ENV);
afterAll(() => {
  for (const [k, v] of Object.entries(envBefore)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
const SECRET = 'otlp-token-7d1e5b';
const received: Array<{ url: string; auth?: string; body: Buffer }> = [];
let collector: http.Server | undefined;
afterAll(() => new Promise<void>((r) => (collector ? collector.close(() => r()) : r())));

function config(endpoint: string): string {
  const c = fx.configDir('semroute-otlp-');
  writeFileSync(
    c.file,
    `${c.base}observability: { tracing: { enabled: true, exporter: { type: otlp, endpoint: "${endpoint}", headers: { authorization: "Bearer ${SECRET}" } }, resource: { service_name: semroute-otlp-test } } }\n`,
  );
  return c.file;
}

async function chat(base: string): Promise<void> {
  const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }) });
  expect(res.status).toBe(200);
  await res.text();
}

describe('OTLP trace export', () => {
  it('sends the spans to the collector with the configured header and service name', async () => {
    collector = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', auth: req.headers.authorization, body: Buffer.concat(parts) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector!.listen(0, '127.0.0.1', () => r()));
    const port = (collector.address() as { port: number }).port;
    const gw = await startGatewayProcess(config(`127.0.0.1:${port}`), [], fx.procs);
    await chat(gw.base);
    const deadline = Date.now() + 15_000;
    while (!received.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(received[0]?.url).toBe('/v1/traces');
    expect(received[0]?.auth).toBe(`Bearer ${SECRET}`);
    expect(received[0]!.body.toString('latin1')).toContain('semroute-otlp-test');
    expect(gw.out()).not.toContain('trace export failed');
  }, 60_000);

  it('an unreachable collector is logged (warn, with the cause), without the auth header', async () => {
    const gw = await startGatewayProcess(config('http://collector-user:pw-9f2c@127.0.0.1:1'), [], fx.procs);
    await chat(gw.base);
    const line = await gw.waitFor(/[^\n]*trace export failed[^\n]*/, 15_000);
    const obj = JSON.parse(line) as Record<string, unknown>;
    expect(obj.level).toBe('warn');
    expect(String(obj.err)).toMatch(/ECONNREFUSED|connect|fetch failed|Request/i);
    expect(obj.spans).toBeGreaterThan(0);
    expect(obj.endpoint).toBe('http://127.0.0.1:1/v1/traces');
    expect(gw.out()).not.toContain(SECRET);
    expect(gw.out()).not.toContain('pw-9f2c');
  }, 60_000);
});
