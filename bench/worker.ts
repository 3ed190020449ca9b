// Worker vs Node, same packs, same client: cold start of `wrangler dev` (workerd) to the first
// classified request, then per-request latency of POST /api/v1/classify/intent over HTTP on both
// runtimes (sequential, one connection at a time). Also the Worker upload size (wrangler dry run).
// `npx tsx bench/worker.ts [--runs 3] [--n 300]`. Results: BENCHMARKS.md, "Worker".
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 3);
const N = arg('n', 300);
const PROMPTS = JSON.parse(readFileSync(new URL('../../shared/vsr-testdata/domain_classify_cases.json', import.meta.url), 'utf8')) as Array<{ question: string }>;
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });

function start(cmd: string[], extraEnv: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; readyMs: number }> {
  const t0 = performance.now();
  const child = spawn(cmd[0]!, cmd.slice(1), { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return new Promise((resolve, reject) => {
    let out = '';
    const on = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve({ child, readyMs: performance.now() - t0 });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (c) => reject(new Error(`exited ${c}: ${out.slice(-1500)}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  const gone = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid!, 'SIGINT'); // the process group: tsx, wrangler, workerd
  } catch {}
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {}
}

async function classify(base: string, text: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/classify/intent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  await res.json();
  return performance.now() - t0;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) => `median ${pct(xs, 50).toFixed(2)} ms, p95 ${pct(xs, 95).toFixed(2)} ms, mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)} ms`;

async function steady(base: string): Promise<number[]> {
  for (let i = 0; i < 20; i++) await classify(base, PROMPTS[i % PROMPTS.length]!.question);
  const xs: number[] = [];
  for (let i = 0; i < N; i++) xs.push(await classify(base, PROMPTS[i % PROMPTS.length]!.question));
  return xs;
}

function bundleSize(): void {
  const dir = mkdtempSync(join(tmpdir(), 'semroute-worker-dry-'));
  const r = spawnSync(process.execPath, ['node_modules/wrangler/bin/wrangler.js', 'deploy', '--dry-run', '--outdir', dir, '-c', 'runtimes/worker/wrangler.jsonc'], { env, encoding: 'utf8' });
  const line = /Total Upload: .*/.exec(r.stdout + r.stderr)?.[0] ?? '(no Total Upload line)';
  console.log(`wrangler dry run: ${line}`);
  for (const f of readdirSync(dir).filter((f) => !f.endsWith('.map') && !f.endsWith('.md'))) {
    const b = readFileSync(join(dir, f));
    console.log(`  ${f}: ${b.length} bytes, gzip -9 ${gzipSync(b, { level: 9 }).length} bytes`);
  }
  let packs = 0;
  let files = 0;
  for (const d of readdirSync('models')) {
    if (d === 'train' || !statSync(join('models', d)).isDirectory()) continue;
    for (const f of readdirSync(join('models', d)).filter((f) => !f.endsWith('.md'))) {
      packs += statSync(join('models', d, f)).size;
      files++;
    }
  }
  console.log(`packs as static assets: ${files} files, ${packs} bytes (${(packs / 1048576).toFixed(2)} MiB)`);
}

async function main(): Promise<void> {
  bundleSize();
  const cold: Array<{ ready: number; first: number; second: number }> = [];
  let workerSteady: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const port = await freePort();
    const { child, readyMs } = await start(['npx', 'tsx', 'runtimes/worker/dev.ts', '--port', String(port)], {}, /Ready on/);
    const base = `http://127.0.0.1:${port}`;
    const first = await classify(base, PROMPTS[0]!.question);
    const second = await classify(base, PROMPTS[1]!.question);
    cold.push({ ready: readyMs, first, second });
    if (run === RUNS - 1) workerSteady = await steady(base);
    await stop(child);
  }
  for (const c of cold) console.log(`worker cold start: wrangler dev ready ${c.ready.toFixed(0)} ms, first classified request ${c.first.toFixed(0)} ms, second ${c.second.toFixed(1)} ms`);
  console.log(`worker (workerd via wrangler dev) classify: ${fmt(workerSteady)} (n=${N})`);

  const port = await freePort();
  const mockPort = await freePort();
  const { child, readyMs } = await start(['npx', 'tsx', 'runtimes/node/dev.ts'], { PORT: String(port), MOCK_PORT: String(mockPort) }, /Try it/);
  const base = `http://127.0.0.1:${port}`;
  const first = await classify(base, PROMPTS[0]!.question);
  console.log(`node dev: ready (packs loaded) ${readyMs.toFixed(0)} ms, first classified request ${first.toFixed(1)} ms`);
  console.log(`node (onnxruntime-node, @hono/node-server) classify: ${fmt(await steady(base))} (n=${N})`);
  await stop(child);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
