// observability.tracing.exporter.type: jaeger, and an endpoint that is Jaeger's (or Zipkin's) own API.
// The reference's tracing takes otlp and stdout only: for jaeger its InitTracing fails ("unsupported
// exporter type") and it starts without tracing, with a warning. semroute sends jaeger as OTLP/HTTP,
// which Jaeger takes on its OTLP receiver (4318), but said nothing at start-up or on --check, so a
// file written for Jaeger's collector API (http://jaeger:14268/api/traces: Thrift over HTTP, no OTLP)
// passed the check and every export was refused (400) once traffic came. Now both warn, naming the key.
// The real --check process and a real started gateway, its exporter aimed at a fake Jaeger collector
// that answers OTLP as Jaeger's /api/traces does (400 for a content type other than Thrift).
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runMain } from './helpers/node-main.ts';
import { processFixture, START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';
import { until } from './helpers/until.ts';

const fx = processFixture();

function check(tracing: string): Promise<{ code: number | null; out: string }> {
  const { file, base } = fx.configDir('semroute-check-jaeger-');
  writeFileSync(file, `${base}observability: { tracing: ${tracing} }\n`);
  return runMain(['--config', file, '--check', '--models-dir', join(ROOT, 'models')]);
}
const warningsOf = (out: string) => out.split('\n').filter((l) => l.includes('"config warning"'));

describe('--check: exporter type jaeger and endpoints that take no OTLP', () => {
  it('jaeger at Jaeger\'s collector API (14268 /api/traces): the type and the endpoint are each warned', async () => {
    const r = await check('{ enabled: true, exporter: { type: jaeger, endpoint: "http://jaeger:14268/api/traces" } }');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/config OK \(2 warnings\)/);
    const [type, endpoint] = warningsOf(r.out);
    expect(type).toMatch(/observability\.tracing\.exporter\.type: jaeger[^"]*reference[^"]*otlp and stdout[^"]*OTLP\/HTTP/);
    expect(endpoint).toMatch(/observability\.tracing\.exporter\.endpoint: http:\/\/jaeger:14268\/api\/traces is Jaeger's collector API[^"]*not OTLP[^"]*4318/);
  }, 60_000);

  it('jaeger at its OTLP receiver: one warning (the reference refuses the type); otlp at Jaeger\'s gRPC port and Zipkin\'s API: the endpoint', async () => {
    const [otlpReceiver, grpc, zipkin] = await Promise.all([
      check('{ enabled: true, exporter: { type: jaeger, endpoint: "jaeger:4318" } }'),
      check('{ enabled: true, exporter: { type: otlp, endpoint: "jaeger-collector.observability:14250" } }'),
      check('{ enabled: true, exporter: { type: otlp, endpoint: "http://zipkin:9411/api/v2/spans" } }'),
    ]);
    expect(otlpReceiver.out).toMatch(/config OK \(1 warning\)/);
    expect(warningsOf(otlpReceiver.out)[0]).toMatch(/exporter\.type: jaeger[^"]*http:\/\/jaeger:4318\/v1\/traces[^"]*write type: otlp/);
    expect(grpc.out).toMatch(/config OK \(1 warning\)/);
    expect(warningsOf(grpc.out)[0]).toMatch(/exporter\.endpoint: jaeger-collector\.observability:14250 is Jaeger's collector gRPC port/);
    expect(zipkin.out).toMatch(/config OK \(1 warning\)/);
    expect(warningsOf(zipkin.out)[0]).toMatch(/exporter\.endpoint: http:\/\/zipkin:9411\/api\/v2\/spans is Zipkin's API/);
  }, 60_000);

  it('otlp at an OTLP receiver, and jaeger with tracing off: no warning', async () => {
    const [otlp, off] = await Promise.all([
      check('{ enabled: true, exporter: { type: otlp, endpoint: "http://jaeger:4318/v1/traces" } }'),
      check('{ enabled: false, exporter: { type: jaeger, endpoint: "http://jaeger:14268/api/traces" } }'),
    ]);
    for (const r of [otlp, off]) {
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/config OK\n/);
    }
  }, 60_000);
});

describe('a gateway started with exporter jaeger at a Jaeger collector\'s /api/traces', () => {
  const posts: { type: string | undefined; status: number }[] = [];
  // As Jaeger's collector: /api/traces takes Thrift only and answers 400 to anything else.
  const jaeger = http.createServer((req, res) => {
    req.resume().on('end', () => {
      const thrift = /^application\/(x-thrift|vnd\.apache\.thrift\.binary)/.test(req.headers['content-type'] ?? '');
      const status = req.url === '/api/traces' && thrift ? 202 : 400;
      posts.push({ type: req.headers['content-type'], status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 400 ? 'Unsupported content type\n' : '');
    });
  });
  let gw: GatewayProcess;
  beforeAll(async () => {
    await new Promise<void>((r) => jaeger.listen(0, '127.0.0.1', r));
    const { file, base } = fx.configDir('semroute-jaeger-start-');
    const endpoint = `http://127.0.0.1:${(jaeger.address() as AddressInfo).port}/api/traces`;
    writeFileSync(file, `${base}observability: { tracing: { enabled: true, exporter: { type: jaeger, endpoint: "${endpoint}" } } }\n`);
    gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
  }, START_BUDGET_MS);
  afterAll(async () => {
    jaeger.closeAllConnections();
    await new Promise((r) => jaeger.close(r));
  });

  it('warns at start-up, before any span is sent, that the endpoint takes no OTLP; the exports are then refused', async () => {
    const warnings = warningsOf(gw.out());
    expect(warnings.some((w) => /exporter\.type: jaeger/.test(w))).toBe(true);
    expect(warnings.some((w) => /exporter\.endpoint: http:\/\/127\.0\.0\.1:\d+\/api\/traces is Jaeger's collector API[^"]*not OTLP/.test(w))).toBe(true);
    expect(posts).toHaveLength(0);
    // What the warning is about: the spans go as OTLP and the collector refuses them.
    const r = await fetch(`${gw.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(r.status).toBe(200);
    await until(() => posts.length > 0, 30_000, 100);
    expect(posts[0]).toEqual({ type: expect.stringMatching(/^application\/(json|x-protobuf)/), status: 400 });
    await gw.waitFor(/trace export failed/);
  }, 60_000);
});
