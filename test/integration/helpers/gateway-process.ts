// A real semroute process (runtimes/node/main.ts under tsx) on an ephemeral port, for the tests that
// need signals, a watched config file or a real exit: its stdout and stderr are collected into one
// string that `waitFor` polls for a log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startMockServer, type MockServer } from '../../../runtimes/node/mock-server.ts';
import { REPO } from '../gateway-harness.ts';
import { until } from './until.ts';

/**
 * How long a start may take. tsx compiles main.ts and its imports on every start: about 1-2 s idle,
 * 12-15 s seen on a loaded 2-core CI machine (packs loading at the same time take longer still).
 */
export const START_MS = 30_000;
/** What a test or hook that starts one process needs on top of its own work: the start and some slack. */
export const START_BUDGET_MS = START_MS + 10_000;

export interface GatewayProcess {
  proc: ChildProcess;
  base: string;
  port: number;
  extPort?: number;
  out: () => string;
  exit: Promise<{ code: number | null; at: number }>;
  waitFor(re: RegExp, ms?: number): Promise<string>;
}

/**
 * Starts main.ts with `--config config --port 0 --host 127.0.0.1` and `extra` arguments, pushes the
 * process onto `procs` (the caller kills what is left in afterAll) and resolves once it listens (and
 * its ext_proc port too when `extra` has `--extproc-port`). `waitMs`: waitFor's default deadline.
 * The start has one deadline of its own, START_MS for both ports: a caller's hook or test allows
 * more (START_BUDGET_MS), so a slow start fails with what the process printed, not a vitest timeout.
 */
export async function startGatewayProcess(config: string, extra: string[], procs: ChildProcess[], waitMs = 30_000): Promise<GatewayProcess> {
  const args = [join(REPO, 'runtimes/node/main.ts'), '--config', config, '--port', '0', '--host', '127.0.0.1', ...extra];
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exit = new Promise<{ code: number | null; at: number }>((r) => proc.once('exit', (code) => r({ code, at: Date.now() })));
  const waitFor = async (re: RegExp, ms = waitMs, what = `no ${re} in output`) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(out);
      if (m) return m[0];
      if (proc.exitCode !== null) throw new Error(`${what}: the process exited (${proc.exitCode}): ${out.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms: ${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const t0 = Date.now();
  const started = (re: RegExp) => waitFor(re, Math.max(0, START_MS - (Date.now() - t0)), `gateway process did not start (${re})`);
  const port = Number(/"port":(\d+)/.exec(await started(/[^\n]*semroute listening[^\n]*\n/))![1]);
  const extPort = extra.includes('--extproc-port') ? Number(/"port":(\d+)/.exec(await started(/[^\n]*"ext_proc listening"[^\n]*\n/))![1]) : undefined;
  return { proc, base: `http://127.0.0.1:${port}`, port, extPort, out: () => out, exit, waitFor };
}

/**
 * The set-up the process tests share: one mock upstream per file, the processes its tests start
 * (killed after the file), and a config folder with an empty packs folder whose YAML starts with the
 * mock as the only endpoint and routing off (no packs: each process starts in about a second).
 */
export function processFixture(): { mock: () => MockServer; procs: ChildProcess[]; configDir(prefix: string): { dir: string; file: string; base: string } } {
  let mock: MockServer | undefined;
  const procs: ChildProcess[] = [];
  beforeAll(async () => {
    mock = await startMockServer();
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await mock?.close();
  });
  return {
    mock: () => mock!,
    procs,
    configDir(prefix: string) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      mkdirSync(join(dir, 'packs'));
      const base =
        `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock!.port} }]\n` +
        `routing: { enabled: false }\npacks: { dir: ${join(dir, 'packs')} }\n`;
      return { dir, file: join(dir, 'config.yaml'), base };
    },
  };
}

/**
 * A gateway process in front of an upstream the file writes (a node:http handler), routing off and no
 * packs, `extraYaml` added to the config; `ready` hands the process to the file once it listens.
 */
export function useProcessBehindUpstream(prefix: string, handler: http.RequestListener, extraYaml: string, ready: (gw: GatewayProcess) => void): void {
  const fx = processFixture();
  const upstream = http.createServer(handler);
  beforeAll(async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const { file, dir } = fx.configDir(prefix);
    const port = (upstream.address() as AddressInfo).port;
    writeFileSync(file, `default_model: qwen3\nvllm_endpoints: [{ name: up, address: 127.0.0.1, port: ${port} }]\nrouting: { enabled: false }\npacks: { dir: ${dir}/packs }\n${extraYaml}`);
    ready(await startGatewayProcess(file, ['--no-config-watch'], fx.procs));
  }, START_BUDGET_MS);
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });
}

/** The process's count of successful config reloads (semroute_config_reloads_total{result="success"}). */
export async function successfulReloads(gw: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${gw.base}/metrics`)).text();
  return Number(/semroute_config_reloads_total\{result="success"\} (\d+)/.exec(text)?.[1] ?? 0);
}

/** Writes `yaml` to the config file, sends SIGHUP and waits until the process counted `n` successful reloads. */
export async function reloadWith(gw: GatewayProcess, file: string, yaml: string, n: number): Promise<void> {
  writeFileSync(file, yaml);
  gw.proc.kill('SIGHUP');
  await until(async () => (await successfulReloads(gw)) === n, 20_000, 50);
}
