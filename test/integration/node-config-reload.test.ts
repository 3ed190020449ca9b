// Config hot reload of a real semroute process (runtimes/node/main.ts + config-reload.ts): a rewritten
// config file, a kubelet-style `..data` symlink swap and SIGHUP each change the routing of NEW requests
// (HTTP and ext_proc) without a restart; an invalid file is refused and counted while the old routing
// serves on; requests in flight finish on the deps they started with. One category maps every label of
// the domain pack (copied to a temp folder) with threshold 0, so the routed model is the one the file
// names whatever the classifier says.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { EnvoyClient, requestBody, requestHeaders, setHeaders } from './helpers/envoy-client.ts';
import { promtool } from '../fixtures/promtool.ts';
import { firstEventThenRest } from './helpers/sse-stream.ts';
import { START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';

// Each test starts a process (loading the domain pack: 12-15 s seen on a loaded 2-core CI machine,
// START_MS allowed) and then waits on its reloads: the start's own deadline must run out first, so a
// slow start fails saying so rather than as a vitest timeout.
const TEST_MS = START_BUDGET_MS + 20_000;

let mock: MockServer;
let packs: string;
let labels: string[];
const procs: ChildProcess[] = [];

beforeAll(async () => {
  mock = await startMockServer({ options: { models: ['fallback-model', 'model-a', 'model-b', 'model-c', 'model-d', 'model-e'] } });
  packs = mkdtempSync(join(tmpdir(), 'semroute-reload-packs-'));
  cpSync(join(REPO, 'models/domain'), join(packs, 'domain'), { recursive: true });
  labels = Object.values(JSON.parse(readFileSync(join(packs, 'domain/labels.json'), 'utf8')).idx_to_category as Record<string, string>);
});
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await mock?.close();
  rmSync(packs, { recursive: true, force: true });
});

/** A config whose every auto request goes to `model`. */
function configText(model: string, extra = ''): string {
  return (
    `default_model: fallback-model\n` +
    `vllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock.port} }]\n` +
    `packs: { dir: ${packs}, category: domain }\n` +
    `classifier: { category_model: { threshold: 0 } }\n` +
    `categories:\n  - name: everything\n    mmlu_categories: ${JSON.stringify(labels)}\n` +
    `    model_scores: [{ model: ${model}, score: 1.0, use_reasoning: false }]\n` +
    extra
  );
}

type Gateway = Pick<GatewayProcess, 'proc' | 'base' | 'extPort' | 'out' | 'waitFor'>;

async function startGateway(config: string, extra: string[] = []): Promise<Gateway> {
  return startGatewayProcess(config, extra, procs, 15_000);
}

/** A gateway on a config file of its own (in a temporary folder, removed afterwards). */
async function withConfigFile(text: string, extra: string[], fn: (gw: Gateway, file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'semroute-reload-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  try {
    await fn(await startGateway(file, extra), file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ask = (content: string) => JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content }] });

async function routedModel(gw: Gateway): Promise<string | null> {
  const res = await fetch(`${gw.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ask('What is the derivative of x squared?') });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('x-vsr-selected-model');
}

/** Polls until the next request routes to `model`; returns how many requests it took. */
async function untilRouted(gw: Gateway, model: string, ms = 8_000): Promise<number> {
  const deadline = Date.now() + ms;
  for (let n = 1; ; n++) {
    if ((await routedModel(gw)) === model) return n;
    if (Date.now() > deadline) throw new Error(`never routed to ${model}: ${gw.out().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function metricsText(gw: Gateway): Promise<string> {
  return (await fetch(`${gw.base}/metrics`)).text();
}
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
const reloads = async (gw: Gateway, result: 'success' | 'error') => sample(await metricsText(gw), `semroute_config_reloads_total{result="${result}"}`);

/** Opens a slow SSE stream; resolves once its first event is in, with the rest of it to come. */
async function slowStream(gw: Gateway) {
  const res = await fetch(`${gw.base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-chunk-delay-ms': '300' },
    body: JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'What is the derivative of x squared?' }] }),
  });
  const { rest } = await firstEventThenRest(res);
  return { model: res.headers.get('x-vsr-selected-model'), rest };
}

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };

describe('config hot reload of the Node process', () => {
  it('a rewritten file re-routes new requests (HTTP and ext_proc) while a stream in flight finishes; an invalid one is refused and counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-reload-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, configText('model-a'));
    const gw = await startGateway(file, ['--extproc-port', '0']);
    const envoy = new EnvoyClient(`127.0.0.1:${gw.extPort}`);
    try {
      expect(await routedModel(gw)).toBe('model-a');
      const startGauge = sample(await metricsText(gw), 'semroute_config_last_reload_success_timestamp_seconds')!;
      expect(startGauge).toBeGreaterThan(0);
      const requestsBefore = sample(await metricsText(gw), 'llm_model_requests_total{model="model-a"}')!;

      // In flight across the reload: an SSE stream, and an ext_proc stream that has sent its headers.
      const stream = await slowStream(gw);
      expect(stream.model).toBe('model-a');
      const open = envoy.open();
      expect((await open.send(requestHeaders(CHAT))).response).toBe('request_headers');

      // model-b, and a new upstream pool: the stream in flight must keep the old one to its end.
      writeFileSync(file, configText('model-b', 'upstream: { keep_alive_connections: 64 }\n'));
      await untilRouted(gw, 'model-b');
      const reloaded = await gw.waitFor(/[^\n]*"config reloaded"[^\n]*/);
      expect(reloaded).toContain('"trigger":"watch"');
      expect(reloaded).toMatch(/"reused":\[[^\]]*"classifiers"/); // same pack settings: packs not loaded again
      expect(reloaded).not.toMatch(/"reused":\[[^\]]*"upstream"/);
      expect(gw.out().match(/"model pack loaded"/g)).toHaveLength(1);

      // ext_proc: the stream opened before the reload runs on the old config; a new one gets the new.
      const old = await open.send(requestBody(ask('What is the derivative of x squared?')));
      expect(setHeaders(old.request_body.response.header_mutation)['x-selected-model']).toBe('model-a');
      open.end();
      expect((await open.closed).code).toBe(0);
      // The SSE stream still runs on the old upstream pool, so it is not freed until that ends.
      await new Promise((r) => setTimeout(r, 100));
      expect(gw.out()).not.toContain('previous config used alone is freed');
      const { text, clean } = await stream.rest;
      expect(clean).toBe(true);
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(await gw.waitFor(/[^\n]*previous config used alone is freed[^\n]*/)).toContain('"freed":["upstream"]');

      const fresh = envoy.open();
      await fresh.send(requestHeaders(CHAT));
      const now = await fresh.send(requestBody(ask('What is the derivative of x squared?')));
      expect(setHeaders(now.request_body.response.header_mutation)['x-selected-model']).toBe('model-b');
      fresh.end();

      let metrics = await metricsText(gw);
      expect(sample(metrics, 'semroute_config_reloads_total{result="success"}')).toBe(1);
      expect(sample(metrics, 'semroute_config_reloads_total{result="error"}')).toBe(0);
      expect(sample(metrics, 'semroute_config_last_reload_success_timestamp_seconds')).toBeGreaterThanOrEqual(startGauge);
      expect(sample(metrics, 'llm_model_requests_total{model="model-a"}')).toBeGreaterThan(requestsBefore); // not reset
      expect(sample(metrics, 'llm_model_requests_total{model="model-b"}')).toBeGreaterThan(0); // a new name is a label, not "other"

      // Invalid: a bad score, and a bad enum whose value looks like a secret; the old routing serves on.
      writeFileSync(file, configText('model-c', 'semantic_cache: { enabled: true, backend_type: "redis://u:hunter2@cache" }\n').replace('score: 1.0', 'score: -1'));
      const deadline = Date.now() + 8_000;
      while ((await reloads(gw, 'error')) !== 1) {
        if (Date.now() > deadline) throw new Error(`error never counted: ${gw.out().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const refused = await gw.waitFor(/[^\n]*config reload failed[^\n]*/);
      expect(refused).toContain('categories[0].model_scores[0].score');
      expect(refused).toContain('semantic_cache.backend_type');
      expect(gw.out()).not.toContain('hunter2');
      expect(await routedModel(gw)).toBe('model-b');
      expect(await reloads(gw, 'success')).toBe(1);

      // Scraped after reloads, the exposition still passes promtool's lint.
      metrics = await metricsText(gw);
      const lint = promtool(['check', 'metrics'], metrics);
      expect(lint.output).toBe('');
      expect(lint.status).toBe(0);
    } finally {
      envoy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, TEST_MS);

  it('a SIGHUP while the packs load does not kill the process: the reload runs once it serves', async () => {
    // model.onnx is a FIFO: the process blocks reading it until this test writes the bytes, so the
    // signal lands for certain while the packs load (before the reload machinery is in place).
    const dir = mkdtempSync(join(tmpdir(), 'semroute-reload-'));
    const slowPacks = join(dir, 'packs');
    cpSync(join(packs, 'domain'), join(slowPacks, 'domain'), { recursive: true });
    const model = join(slowPacks, 'domain/model.onnx');
    const bytes = readFileSync(model);
    rmSync(model);
    expect(spawnSync('mkfifo', [model]).status).toBe(0);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, configText('model-a').replace(`dir: ${packs}`, `dir: ${slowPacks}`));
    const args = [join(REPO, 'runtimes/node/main.ts'), '--config', file, '--port', '0', '--host', '127.0.0.1', '--no-config-watch'];
    const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(proc);
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
    try {
      const writer = await open(model, 'w'); // resolves once the process opened the FIFO to read the pack
      writeFileSync(file, configText('model-c').replace(`dir: ${packs}`, `dir: ${slowPacks}`));
      proc.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 200));
      expect(proc.exitCode ?? proc.signalCode).toBeNull();
      await writer.writeFile(bytes);
      await writer.close();
      const deadline = Date.now() + 30_000;
      while (!/semroute listening/.test(out) || !/"config reloaded"/.test(out)) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`process ended (${proc.exitCode ?? proc.signalCode}): ${out.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`no reload: ${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(out).toContain('config reload requested while starting');
      const port = Number(/[^\n]*semroute listening[^\n]*/.exec(out)![0].match(/"port":(\d+)/)![1]);
      const gw: Gateway = { proc, base: `http://127.0.0.1:${port}`, out: () => out, waitFor: async () => '' };
      expect(await routedModel(gw)).toBe('model-c');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TEST_MS);

  it('with --no-config-watch a change waits for SIGHUP, which applies it; a pack that fails to load refuses the reload', async () => {
    await withConfigFile(configText('model-a'), ['--no-config-watch'], async (gw, file) => {
      expect(await routedModel(gw)).toBe('model-a');
      writeFileSync(file, configText('model-d'));
      await new Promise((r) => setTimeout(r, 600)); // well past the watch's debounce
      expect(await routedModel(gw)).toBe('model-a');
      gw.proc.kill('SIGHUP');
      await untilRouted(gw, 'model-d');
      expect(await gw.waitFor(/[^\n]*"config reloaded"[^\n]*/)).toContain('"trigger":"SIGHUP"');
      expect(await reloads(gw, 'success')).toBe(1);
      expect(gw.proc.exitCode).toBeNull();

      // A valid file whose category pack cannot load: refused (packs load strictly on a reload), old routing kept.
      writeFileSync(file, configText('model-a').replace('category: domain', 'category: no-such-pack'));
      gw.proc.kill('SIGHUP');
      const deadline = Date.now() + 8_000;
      while ((await reloads(gw, 'error')) !== 1) {
        if (Date.now() > deadline) throw new Error(`error never counted: ${gw.out().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await gw.waitFor(/[^\n]*config reload failed[^\n]*/)).toContain('no-such-pack');
      expect(await routedModel(gw)).toBe('model-d');
    });
  }, TEST_MS);

  it('a SIGHUP during the shutdown drain is logged and ignored: the stream in flight finishes and the exit is clean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-reload-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, configText('model-a'));
    const gw = await startGateway(file, ['--no-config-watch']);
    try {
      const exited = new Promise<[number | null, string | null]>((r) => gw.proc.once('exit', (code, signal) => r([code, signal])));
      const stream = await slowStream(gw);
      gw.proc.kill('SIGTERM');
      await gw.waitFor(/"draining"/);
      // Without a handler, Node's default action for SIGHUP ends the process, cutting the drain short.
      gw.proc.kill('SIGHUP');
      await gw.waitFor(/config reload ignored: shutting down/);
      const { text, clean } = await stream.rest;
      expect(clean).toBe(true);
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(await exited).toEqual([0, null]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TEST_MS);

  it("a kubelet-style ConfigMap update (the ..data symlink swapped to a new folder) is picked up", async () => {
    // The layout kubelet's atomic writer makes: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>.
    const dir = mkdtempSync(join(tmpdir(), 'semroute-reload-cm-'));
    const version = (name: string, model: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'config.yaml'), configText(model));
    };
    version('..2026_12_06_01', 'model-a');
    symlinkSync('..2026_12_06_01', join(dir, '..data'));
    symlinkSync('..data/config.yaml', join(dir, 'config.yaml'));
    const gw = await startGateway(join(dir, 'config.yaml'));
    try {
      expect(await routedModel(gw)).toBe('model-a');
      version('..2026_12_06_02', 'model-e');
      symlinkSync('..2026_12_06_02', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(join(dir, '..2026_12_06_01'), { recursive: true });
      await untilRouted(gw, 'model-e');
      expect(await reloads(gw, 'success')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TEST_MS);
});
