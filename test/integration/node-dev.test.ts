// `npm run dev` (runtimes/node/dev.ts) as a real process: the README's quick start. Its /metrics has
// what the README lists for the gateway: the pack gauges llm_classifier_pack_{info,size_bytes,load_seconds}
// and the Node process metrics (operator audit: dev served neither; only `npm start` did). PORT=0 and
// MOCK_PORT=0 pick free ports (MOCK_PORT=0 pointed the endpoints at port 0).
// dev.ts says its /metrics is npm start's: the last case compares the two processes' metric families
// and the series each sets at start.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { START_BUDGET_MS, startGatewayProcess } from './helpers/gateway-process.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let proc: ChildProcess | undefined;
let devBase: string | undefined;
const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of [proc, ...started]) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Each metric family's name (its # TYPE line), and the series of those a process sets itself at start. */
function shape(text: string): { families: string[]; setAtStart: string[] } {
  const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!).sort();
  const setAtStart = [...text.matchAll(/^((?:semroute_config_|llm_inflight_requests|llm_classifier_pack_info)[a-z_]*(?:\{[^}]*\})?) /gm)].map((m) => m[1]!).sort();
  return { families, setAtStart };
}

async function startDev(): Promise<string> {
  proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'runtimes/node/dev.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', MOCK_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const deadline = Date.now() + 45_000;
  for (;;) {
    const m = /gateway\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) return m[1]!;
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`dev did not start: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm run dev', () => {
  it('answers the README example and serves the pack gauges and process metrics on /metrics', async () => {
    const base = (devBase = await startDev());
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'What is the derivative of f(x) = x^3 + 2x^2 - 5x + 7?' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vsr-selected-category')).toBe('math');
    expect((await res.json()).model).toBe(res.headers.get('x-vsr-selected-model'));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^llm_model_requests_total\{[^}]*\} 1$/m);
    expect(metrics).toMatch(/^llm_classifier_pack_info\{pack="domain",[^}]*\} 1$/m);
    expect(metrics).toMatch(/^llm_classifier_pack_size_bytes\{pack="domain"\} \d+$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics).toMatch(/^nodejs_heap_size_used_bytes \d+/m);

    // A request Node's parser refuses is counted as on `npm start` (the counter was declared but never
    // incremented in dev: dev.ts did not pass the client-error reporter). Raw socket: no client sends it.
    const { port } = new URL(base);
    const answer = await new Promise<string>((done, fail) => {
      const s = connect(Number(port), '127.0.0.1', () => s.write('GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'));
      let got = '';
      s.setEncoding('utf8').on('data', (c: string) => (got += c)).on('close', () => done(got)).on('error', fail);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(after).toMatch(/^semroute_http_client_errors_total\{code="400",reason="invalid_header_token"\} 1$/m);
  }, 60_000);

  it('serves the metric families `npm start` serves with the default config, the config reload gauges included', async () => {
    const base = devBase ?? (devBase = await startDev());
    // Node's entry point (npm start runs its bundle) on the bundled config/config.yaml dev loads too.
    const start = await startGatewayProcess(join(ROOT, 'config/config.yaml'), [], started);
    const devText = await (await fetch(`${base}/metrics`)).text();
    const dev = shape(devText);
    const prod = shape(await (await fetch(`${start.base}/metrics`)).text());
    expect(dev.families).toEqual(prod.families);
    expect(dev.setAtStart).toEqual(prod.setAtStart);
    // Loaded once at start-up, never refused: what npm start shows until a reload.
    expect(devText).toMatch(/^semroute_config_last_reload_successful 1$/m);
    expect(devText).toMatch(/^semroute_config_reloads_total\{result="error"\} 0$/m);
    const loadedAt = Number(/^semroute_config_last_reload_success_timestamp_seconds (\S+)$/m.exec(devText)?.[1]);
    expect(Math.abs(loadedAt - Date.now() / 1000)).toBeLessThan(600);
    // The in-flight gauge counts a chat request while it runs (its body still coming), as on npm start;
    // dev's stayed at its declared 0.
    const gauge = async () => Number(/^llm_inflight_requests (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
    expect(await gauge()).toBe(0);
    const { port } = new URL(base);
    const s = connect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":');
    let held = 0;
    for (let i = 0; i < 100 && held !== 1; i++) {
      held = await gauge();
      if (held !== 1) await new Promise((r) => setTimeout(r, 20));
    }
    expect(held).toBe(1);
    s.destroy();
    let after = 1;
    for (let i = 0; i < 100 && after !== 0; i++) {
      after = await gauge();
      if (after !== 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(after).toBe(0);
  }, 60_000 + START_BUDGET_MS);
});
