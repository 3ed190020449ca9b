// observability.tracing applies on a config reload. It was restart-only: to trace a misbehaving pod an
// operator restarted it (losing the state being looked at), and a ConfigMap edit only logged "these
// settings need a restart". Now the tracer provider is swapped (the context manager and propagator stay,
// so requests in flight keep their traces on the provider they started with). A real process, SIGHUP,
// the stdout exporter (one JSON line per span in the process's output).
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, reloadWith, START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';
import { until } from './helpers/until.ts';

const fx = processFixture();
const SPAN = /"name":"semantic_router\.request\.received"/g;

const chat = async (gw: GatewayProcess) => {
  const r = await fetch(`${gw.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }) });
  expect(r.status).toBe(200);
  await r.text();
};
const spans = (gw: GatewayProcess) => gw.out().match(SPAN)?.length ?? 0;


describe('a reload that changes observability.tracing', () => {
  it('off -> stdout: the next request is traced; service name changed: the new resource; -> off: no more spans', async () => {
    const { file, base } = fx.configDir('semroute-reload-tracing-');
    writeFileSync(file, base);
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
    await chat(gw);
    expect(spans(gw)).toBe(0);

    await reloadWith(gw, file, `${base}observability: { tracing: { enabled: true, exporter: { type: stdout }, resource: { service_name: svc-one } } }\n`, 1);
    // Nor, adding the section to a file that had none, a "need a restart" for its untouched defaults.
    expect(gw.out()).not.toMatch(/need a restart/);
    await chat(gw);
    await until(() => spans(gw) === 1, 10_000, 50);
    expect(gw.out()).toMatch(/"name":"semantic_router\.request\.received"[^\n]*"service":"svc-one"/);

    await reloadWith(gw, file, `${base}observability: { tracing: { enabled: true, exporter: { type: stdout }, resource: { service_name: svc-two } } }\n`, 2);
    await chat(gw);
    await until(() => spans(gw) === 2, 10_000, 50);
    expect(gw.out()).toMatch(/"name":"semantic_router\.request\.received"[^\n]*"service":"svc-two"/);

    await reloadWith(gw, file, base, 3);
    await chat(gw);
    await new Promise((r) => setTimeout(r, 500));
    expect(spans(gw)).toBe(2);
  }, START_BUDGET_MS + 60_000);
});
