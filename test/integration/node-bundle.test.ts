// `npm run build` output run by plain node from an unrelated working directory: the bundle finds the
// ext_proc protos it ships in dist/proto (not the source tree) and the bundled packs (no --models-dir),
// serves the gateway, and exposes the pack gauges and the in-flight gauge on /metrics. And README "Running it
// for real" as written, npm the launcher: the build, config/config.yaml copied, `npm start -- --config FILE
// --port N` (this file builds once: a second build elsewhere would remove the chunks a starting bundle loads).
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';
import { README, section } from '../unit/helpers/readme.ts';
import { until } from './helpers/until.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { parseDocument } from 'yaml';

let proc: ChildProcess;
let mock: MockServer;
let out = '';
let base = '';

beforeAll(async () => {
  execFileSync(process.execPath, [join(REPO, 'runtimes/node/build.mjs')], { cwd: REPO, stdio: 'pipe' });
  mock = await startMockServer();
  const cwd = mkdtempSync(join(tmpdir(), 'semroute-bundle-'));
  const config = join(cwd, 'config.yaml');
  writeFileSync(config, `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock.port} }]\nprompt_guard: { enabled: true }\n`);
  proc = spawn(
    process.execPath,
    [join(REPO, 'dist/semroute.mjs'), '--config', config, '--port', '0', '--host', '127.0.0.1', '--extproc-port', '0', '--device', 'cpu'],
    { cwd, env: { ...process.env, SEMROUTE_EXTPROC_PROTO_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const deadline = Date.now() + 60_000;
  while (!(base && out.includes('ext_proc listening'))) {
    const m = /"port":(\d+)[^\n]*semroute listening/.exec(out);
    if (m) base = `http://127.0.0.1:${m[1]}`;
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`bundle did not start: ${err.slice(-2000)}${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 120_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  await mock?.close();
});

/** Whether the process has a handler for a signal (Linux /proc: SigCgt is a hex mask, bit n-1 = signal n). */
function catches(pid: number, signal: number): boolean {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^SigCgt:\s*([0-9a-f]+)/m);
    return m !== null && ((BigInt(`0x${m[1]}`) >> BigInt(signal - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}
const catchesSighup = (pid: number) => catches(pid, 1);

describe('the Node bundle', () => {
  it('a SIGHUP as soon as the entry holds it (while the bundle loads) is held and applied once serving, not fatal', async () => {
    // Before: Node's default for SIGHUP (exit) applied until main() ran, ~0.5-0.7 s after start.
    const cwd = mkdtempSync(join(tmpdir(), 'semroute-bundle-hup-'));
    const config = join(cwd, 'config.yaml');
    writeFileSync(config, `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock.port} }]\n`);
    const p = spawn(process.execPath, [join(REPO, 'dist/semroute.mjs'), '--config', config, '--port', '0', '--host', '127.0.0.1', '--device', 'cpu', '--no-config-watch'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    p.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
    try {
      // Past Node's own start-up, well before the bundle has loaded: the moment the kernel says the
      // process catches SIGHUP (SigCgt bit 0). A fixed 0.2 s wait was too early on a loaded box,
      // where Node's own start-up (which cannot hold the signal) took longer.
      const deadline0 = Date.now() + 30_000;
      while (!catchesSighup(p.pid!)) {
        if (p.exitCode !== null || Date.now() > deadline0) throw new Error(`no SIGHUP handler: ${log.slice(-500)}`);
        await new Promise((r) => setTimeout(r, 2));
      }
      // The poll alone would also pass if only main() held the signal, so check that the entry holds
      // it before it imports the bundle (where Node's default, exit, applied for ~0.5 s).
      const entry = readFileSync(join(REPO, 'dist/semroute.mjs'), 'utf8');
      expect(entry.indexOf("process.on('SIGHUP'")).toBeGreaterThan(-1);
      expect(entry.indexOf("process.on('SIGHUP'")).toBeLessThan(entry.indexOf("import('./semroute-main.mjs')"));
      p.kill('SIGHUP');
      const deadline = Date.now() + 60_000;
      while (!/"config reloaded"/.test(log)) {
        if (p.exitCode !== null || p.signalCode !== null || Date.now() > deadline) throw new Error(`exit ${p.exitCode} ${p.signalCode}: ${log.slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(log).toMatch(/semroute listening/);
    } finally {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGTERM');
        await new Promise((r) => p.once('exit', r));
      }
    }
  }, 90_000);

  it('a SIGTERM while the bundle loads ends the process with exit 0 (in a container, node is PID 1: an unhandled SIGTERM is ignored)', async () => {
    // The kernel does not apply a signal's default action to PID 1, so in the image a SIGTERM that came
    // before any handler was lost, and the pod waited out its grace period for the SIGKILL. The entry
    // holds SIGTERM and SIGINT before it imports the bundle, as it does SIGHUP; main() takes over.
    const entry = readFileSync(join(REPO, 'dist/semroute.mjs'), 'utf8');
    for (const sig of ['SIGTERM', 'SIGINT']) {
      expect(entry.indexOf(`process.on('${sig}'`), sig).toBeGreaterThan(-1);
      expect(entry.indexOf(`process.on('${sig}'`), sig).toBeLessThan(entry.indexOf("import('./semroute-main.mjs')"));
    }
    const cwd = mkdtempSync(join(tmpdir(), 'semroute-bundle-term-'));
    const config = join(cwd, 'config.yaml');
    writeFileSync(config, `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock.port} }]\n`);
    const p = spawn(process.execPath, [join(REPO, 'dist/semroute.mjs'), '--config', config, '--port', '0', '--host', '127.0.0.1', '--device', 'cpu'], { cwd, stdio: 'ignore' });
    const exit = new Promise<[number | null, string | null]>((r) => p.once('exit', (code, sig) => r([code, sig])));
    // The moment the entry has run (its SIGHUP handler shows in SigCgt; Node itself catches SIGTERM
    // from the start, to reset the terminal before it dies of the signal, so that bit says nothing).
    const deadline = Date.now() + 30_000;
    while (!catchesSighup(p.pid!)) {
      if (p.exitCode !== null || Date.now() > deadline) throw new Error('the entry never ran');
      await new Promise((r) => setTimeout(r, 2));
    }
    p.kill('SIGTERM');
    expect(await exit).toEqual([0, null]);
  }, 60_000);

  it('--version prints the package version build.mjs baked in, from any working directory, and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const cwd = mkdtempSync(join(tmpdir(), 'semroute-bundle-version-'));
    expect(execFileSync(process.execPath, [join(REPO, 'dist/semroute.mjs'), '--version'], { cwd, encoding: 'utf8' })).toBe(`${version}\n`);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('ships the ext_proc protos beside it, byte for byte', () => {
    for (const f of ['envoy/service/ext_proc/v3/external_processor.proto', 'envoy/config/core/v3/base.proto']) {
      expect(existsSync(join(REPO, 'dist/proto', f)), f).toBe(true);
      expect(readFileSync(join(REPO, 'dist/proto', f), 'utf8')).toBe(readFileSync(join(REPO, 'runtimes/node/extproc/proto', f), 'utf8'));
    }
    expect(out).toMatch(/"port":\d+[^\n]*ext_proc listening/);
  });

  it('serves, and /metrics has the pack gauges and counts a request in flight until its answer ends', async () => {
    const gauge = async () => Number(/^llm_inflight_requests (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
    const slow = fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-delay-ms': '600' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    // Polled, not a fixed 300 ms: on a loaded machine the request may reach the process later (it is
    // in flight for the mock's 600 ms delay plus the guard's scan, so a 1 is there to be seen).
    let inFlight = -1;
    await until(async () => (inFlight = await gauge()) === 1, 10_000).catch(() => {});
    expect(inFlight).toBe(1);
    const res = await slow;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe('qwen3');
    expect(await gauge()).toBe(0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^llm_classifier_pack_info\{[^}]*pack="domain"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^llm_classifier_pack_size_bytes\{pack="jailbreak"\} [1-9]\d*$/m);
  });

  it('runs from what the Docker image holds: dist, models and the production dependencies only (no dev-only import at run time)', async () => {
    // The image: `npm ci --omit=dev`, then dist/ and models/ copied in (Dockerfile). Run from the repo,
    // the bundle also resolves devDependencies, so a dev-only import would pass every other test and
    // fail only in the container. Hard links (same filesystem): no copy of onnxruntime's binaries.
    const app = mkdtempSync(join(tmpdir(), 'semroute-image-'));
    const link = (from: string) => {
      mkdirSync(dirname(join(app, relative(REPO, from))), { recursive: true });
      execFileSync('cp', ['-al', from, join(app, relative(REPO, from))]);
    };
    try {
      link(join(REPO, 'dist'));
      link(join(REPO, 'models'));
      rmSync(join(app, 'models/train'), { recursive: true, force: true });
      cpSync(join(REPO, 'package.json'), join(app, 'package.json'));
      const prod = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO, encoding: 'utf8' })
        .split('\n')
        .filter((p) => p.startsWith(join(REPO, 'node_modules') + '/'));
      // Top-level packages only; nested node_modules come with their parent.
      const top = new Set(prod.map((p) => relative(join(REPO, 'node_modules'), p).split('/node_modules/')[0]!));
      expect(top.has('onnxruntime-node') && top.has('@grpc/grpc-js') && top.has('ioredis')).toBe(true);
      expect(top.has('vitest') || top.has('tsx') || top.has('esbuild')).toBe(false);
      for (const name of top) link(join(REPO, 'node_modules', name));
      const config = join(app, 'config.yaml');
      // Every lazily loaded module path: packs (onnxruntime-node), the guard, ext_proc (gRPC), a Redis cache (ioredis).
      writeFileSync(
        config,
        `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock.port} }]\nprompt_guard: { enabled: true }\n` +
          `semantic_cache: { enabled: true, backend_type: redis, redis: { url: "redis://127.0.0.1:1", connect_timeout_ms: 200 } }\n`,
      );
      const p = spawn(process.execPath, ['dist/semroute.mjs', '--config', config, '--port', '0', '--host', '127.0.0.1', '--extproc-port', '0', '--device', 'cpu'], {
        cwd: app,
        env: { ...process.env, NODE_ENV: 'production', NODE_PATH: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      p.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
      p.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
      try {
        const deadline = Date.now() + 60_000;
        let port = 0;
        while (!(port && log.includes('ext_proc listening'))) {
          port = Number(/"port":(\d+)[^\n]*semroute listening/.exec(log)?.[1] ?? 0);
          if (p.exitCode !== null || Date.now() > deadline) throw new Error(`did not start from the image tree: ${log.slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'What is the derivative of x squared?' }] }),
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-vsr-selected-model')).toBe('qwen3');
        expect(log).toMatch(/Redis unreachable at start/);
        expect(log).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
      } finally {
        if (p.exitCode === null) {
          p.kill('SIGTERM');
          await new Promise((r) => p.once('exit', r));
        }
      }
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 120_000);

  it('README "Running it for real" with npm start: the quick start curl answered, then a SIGTERM to npm drains and stops the gateway', async () => {
    // The section's commands (`npm ci` installed this tree; beforeAll ran the build): the copy, pointed at the mock.
    const block = /```sh\n([\s\S]*?)```/.exec(section('Running it for real'))![1]!.split('\n').map((l) => l.replace(/\s+#\s.*$/, '').trim()).filter(Boolean);
    expect(block).toEqual(['npm ci', 'npm run build', 'cp config/config.yaml my-config.yaml', 'npm start -- --config my-config.yaml --port 8801']);
    const file = join(mkdtempSync(join(tmpdir(), 'readme-npm-start-')), 'my-config.yaml');
    const doc = parseDocument(readFileSync(join(REPO, 'config/config.yaml'), 'utf8'));
    doc.setIn(['vllm_endpoints', 0, 'address'], '127.0.0.1');
    doc.setIn(['vllm_endpoints', 0, 'port'], mock.port);
    writeFileSync(file, doc.toString());
    const args = block[3]!.split(' ').slice(1).map((a) => (a === 'my-config.yaml' ? file : a === '8801' ? '0' : a));
    // npm in its own process group, so the check (and the clean-up) sees whatever it leaves behind. Stopped as
    // systemd, pm2 or `docker stop` on CMD ["npm", "start"] stop it: a SIGTERM to npm alone. Before the script
    // exec'd node, npm passed it to the script's `sh -c`, which died and left node serving, nothing drained.
    const npm = spawn('npm', [...args, '--host', '127.0.0.1'], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const alive = () => {
      try {
        return process.kill(-npm.pid!, 0);
      } catch {
        return false;
      }
    };
    let log = '';
    npm.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
    npm.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
    try {
      await until(() => npm.exitCode !== null || /"port":\d+[^\n]*semroute listening/.test(log), 60_000).catch(() => {});
      const port = Number(/"port":(\d+)[^\n]*semroute listening/.exec(log)?.[1] ?? 0);
      expect(port, log.slice(-2000)).toBeGreaterThan(0);
      const quick = /```sh\n(curl -s http:\/\/127\.0\.0\.1:8801\/v1\/chat\/completions[\s\S]*?)```/.exec(README)![1]!.replace(/\\\n\s*/g, '');
      const head = (await promisify(execFile)('bash', ['-c', quick.replace('http://127.0.0.1:8801', `http://127.0.0.1:${port}`)])).stdout.split('\r\n\r\n')[0]!;
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head).toMatch(/^x-vsr-selected-model: deepseek-v3\r$/m);
      process.kill(npm.pid!, 'SIGTERM');
      await until(() => !alive(), 20_000).catch(() => {});
      const listening = await new Promise<boolean>((r) => {
        const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true))).on('error', () => r(false));
      });
      expect({ listening, left: alive() }).toEqual({ listening: false, left: false });
      expect(log).toMatch(/"signal":"SIGTERM"[^\n]*"msg":"draining"/);
      expect(log).toMatch(/"msg":"drained"/);
    } finally {
      if (alive()) process.kill(-npm.pid!, 'SIGKILL');
    }
  }, 120_000);
});
