// Soak: the real Node gateway (bundled from runtimes/node/main.ts as `npm run build` does, run by plain
// node) with the jailbreak guard, a PII policy that redacts and restores (gpt-oss-20b) and the semantic
// cache (memory, or redis-server with --backend redis) in front of bench/soak-upstream.ts, under the
// mixed traffic of bench/soak-traffic.ts for --minutes. Samples every --sample-s seconds (RSS, V8 heap
// used, external, fds, TCP sockets by state, libuv resources, event-loop lag, in-flight, cache entries,
// metric series), then lets it idle and checks it came back: in-flight 0, no socket or fd left over,
// the heap after a full GC near the start's, requests sent == requests counted, no label set growing.
//   nice npx tsx bench/soak.ts [--minutes 10] [--backend memory|redis] [--loops 4] [--pause-ms 40] [--json FILE]
import { execSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import YAML from 'yaml';
import { bundle, root, start, stop, type Usage } from './servers.ts';
import { drive, newStats } from './soak-traffic.ts';
import { proc, rssByName, sample, sum, type Sample, type Scrape } from './soak-sample.ts';
import { freePort, startRedis } from '../test/setup/redis.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'memory' },
    loops: { type: 'string', default: '4' },
    'pause-ms': { type: 'string', default: '50' },
    'sample-s': { type: 'string', default: '5' },
    'max-entries': { type: 'string', default: '300' },
    // A full GC and the heap it leaves, this often: retention shows as a slope, not as the sawtooth of a busy heap.
    'gc-every-s': { type: 'string', default: '60' },
    json: { type: 'string' },
    // Heap snapshots (after a full GC) after the warm-up and at the end, into this folder: compare with bench/soak-heapdiff.ts.
    snapshots: { type: 'string' },
    // A config reload this often (SIGHUP after a rewrite that changes the upstream and cache settings, so
    // both are replaced): what a reload leaves behind of the deps it replaced (sockets, timers, heap).
    'reload-every-s': { type: 'string' },
  },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (n: number | undefined) => (n ?? 0) / 1048576;
const dir = mkdtempSync(join(tmpdir(), 'semroute-soak-'));

// The gateway as `npm run build` bundles it, into its own folder (dist/ is shared with other builds).
const gateway = `${root}dist/soak/semroute.mjs`;
await build({
  entryPoints: [`${root}runtimes/node/main.ts`], outfile: gateway, bundle: true, platform: 'node', target: 'node20', format: 'esm',
  external: ['onnxruntime-node', 'onnxruntime-web', 'ioredis', '@grpc/grpc-js', '@grpc/proto-loader'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }, logLevel: 'error',
});
const probe = await bundle('soak-probe.ts');

const redisChild = values.backend === 'redis' ? await (async () => {
  const port = await freePort();
  return { port, child: await startRedis(execSync('command -v redis-server', { shell: '/bin/sh', encoding: 'utf8' }).trim(), port) };
})() : undefined;
const upstream = await start('upstream', 'soak-upstream.ts', []);

const config = YAML.parse(readFileSync(`${root}config/config.yaml`, 'utf8'));
config.vllm_endpoints = [{ name: 'production-stack', address: '127.0.0.1', port: upstream.port, weight: 1 }];
config.model_config['gpt-oss-20b'].pii_policy = { allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true };
Object.assign(config.semantic_cache, { enabled: true, backend_type: values.backend, max_entries: Number(values['max-entries']) });
if (redisChild) config.semantic_cache.redis.url = `redis://127.0.0.1:${redisChild.port}`;
// Faults that wait (soak:hang, soak:stall) end within seconds, not the production 300 s / 120 s.
Object.assign(config.upstream, { timeout_ms: 1500, idle_timeout_ms: 1500 });
config.packs.dir = `${root}models`;
const configFile = join(dir, 'config.yaml');
writeFileSync(configFile, YAML.stringify(config));

const logFile = join(dir, 'gateway.log');
const log = createWriteStream(logFile);
const child = fork(gateway, ['--config', configFile, '--port', '0', '--host', '127.0.0.1', '--no-config-watch'], {
  execArgv: ['--import', probe], stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '2097152' },
});
const pid = child.pid!;
const port = await new Promise<number>((resolve, reject) => {
  let buf = '';
  child.once('exit', (c) => reject(new Error(`gateway exited ${c}; log ${logFile}`)));
  child.stdout!.on('data', (d: Buffer) => {
    log.write(d);
    buf += d.toString();
    const m = /"port":(\d+)[^\n]*semroute listening/.exec(buf);
    if (m) { resolve(Number(m[1])); buf = ''; }
    if (buf.length > 1 << 20) buf = buf.slice(-4096);
  });
});
const usage = (gc: boolean) => new Promise<Usage>((res) => {
  const on = (m: { usage?: Usage }) => { if (m?.usage) { child.off('message', on); res(m.usage); } };
  child.on('message', on);
  child.send({ cmd: 'usage', gc });
});
const t0 = Date.now();
const row = (s: Sample) => `t=${s.t}s rss ${s.rssMb.toFixed(1)} heap ${s.heapUsedMb.toFixed(1)} ext ${s.externalMb.toFixed(1)} fds ${s.fds} tcp ${JSON.stringify(s.sockets)} res ${JSON.stringify(s.resources)} lag p99 ${s.lagP99Ms.toFixed(1)} max ${s.lagMaxMs.toFixed(1)} ms inflight ${s.inflight} cache ${s.cacheEntries} series ${s.series}`;

const questions = (JSON.parse(readFileSync(`${root}../shared/vsr-testdata/domain_classify_cases.json`, 'utf8')) as Array<{ question: string }>).map((c) => c.question).slice(0, 150);
const stats = newStats();
// Warm-up: JIT, connection pools, the cache's first entries; the baseline is taken after it.
await drive({ port, loops: Number(values.loops), pauseMs: Number(values['pause-ms']), until: Date.now() + 30_000, questions, stats });
await sleep(3000);
const base = await sample(port, pid, t0);
const baseGc = await usage(true);
// V8 hands the pages a full GC freed back a moment later (its unmapper runs in the background): RSS
// read right after the GC still holds them, so the settled figure is read 2 s on.
await sleep(2000);
const baseProc = proc(pid);
const snapshot = (name: string) => values.snapshots ? new Promise<void>((res) => {
  const on = (m: { snapshot?: string }) => { if (m?.snapshot) { child.off('message', on); console.log(`heap snapshot ${m.snapshot}`); res(); } };
  child.on('message', on);
  child.send({ cmd: 'snapshot', file: join(values.snapshots!, `${values.backend}-${name}.heapsnapshot`) });
}) : Promise.resolve();
await snapshot('start');
console.log(`baseline (after 30 s warm-up, idle 3 s): ${row(base.s)}; heap after GC ${mb(baseGc.heapUsed).toFixed(1)} MB, rss after GC ${mb(baseGc.rss).toFixed(1)} MB`);

const samples: Sample[] = [base.s];
const warmRequests = Object.values(stats.sent).reduce((a, b) => a + b, 0);
let mid: Scrape | undefined;
const until = Date.now() + Number(values.minutes) * 60_000;
const sampler = setInterval(() => {
  void sample(port, pid, t0).then(({ s, scrape: sc }) => { samples.push(s); if (!mid && Date.now() > until - Number(values.minutes) * 30_000) mid = sc; console.log(row(s)); }).catch((e) => console.log(`sample failed: ${e}`));
}, Number(values['sample-s']) * 1000);
const gcd: Array<[number, number]> = [[base.s.t, mb(baseGc.heapUsed)]];
const gcTimer = setInterval(() => {
  void usage(true).then((u) => { gcd.push([Math.round((Date.now() - t0) / 1000), mb(u.heapUsed)]); console.log(`heap after GC ${mb(u.heapUsed).toFixed(1)} MB, rss ${mb(u.rss).toFixed(1)} MB`); });
}, Number(values['gc-every-s']) * 1000);
const mapsBase = rssByName(pid);
let reloads = 0;
const reloadTimer = values['reload-every-s'] ? setInterval(() => {
  reloads++;
  config.upstream.down_ms = 5000 + (reloads % 2);
  config.semantic_cache.similarity_threshold = 0.8 + (reloads % 2) / 100;
  writeFileSync(configFile, YAML.stringify(config));
  child.kill('SIGHUP');
}, Number(values['reload-every-s']) * 1000) : undefined;
const driveStart = Date.now();
await drive({ port, loops: Number(values.loops), pauseMs: Number(values['pause-ms']), until, questions, stats });
const driveS = (Date.now() - driveStart) / 1000;
clearInterval(sampler);
clearInterval(gcTimer);
clearInterval(reloadTimer);
// Idle: the held upstream sockets (hang, stall) are let go after the gateway's 1.5 s timeouts; the
// client sockets close with the agent. 10 s, well under the keep-alive timeout of the upstream pool.
await sleep(10_000);
const end = await sample(port, pid, t0);
const endGc = await usage(true);
await sleep(2000);
const endSettledMb = proc(pid).rssMb;
await snapshot('end');
console.log(`end (idle 10 s): ${row(end.s)}; heap after GC ${mb(endGc.heapUsed).toFixed(1)} MB, rss after GC ${mb(endGc.rss).toFixed(1)} MB`);

// Checks.
const findings: string[] = [];
const counted = sum(end.scrape, 'llm_model_requests_total');
const startCounted = sum(base.scrape, 'llm_model_requests_total');
const sent = stats.chat + stats.passthrough;
if (end.s.inflight !== 0) findings.push(`in-flight gauge ${end.s.inflight} after idle (expected 0)`);
if (counted !== sent) findings.push(`llm_model_requests_total ${counted} (${startCounted} at baseline) != chat+passthrough sent ${sent}`);
// Label sets still growing in the second half: keyed by something unbounded (bounded ones fill up early).
const grown = growingFamilies(mid ?? base.scrape, end.scrape);
if (grown.length) findings.push(`label sets grown in the second half: ${grown.join(', ')}`);
if (mb(endGc.heapUsed) - mb(baseGc.heapUsed) > 5) findings.push(`heap after GC grew ${mb(baseGc.heapUsed).toFixed(1)} -> ${mb(endGc.heapUsed).toFixed(1)} MB`);
if (end.s.fds > baseProc.fds + 2) findings.push(`fds ${baseProc.fds} -> ${end.s.fds}`);
const upCounts = await new Promise<unknown>((res) => { upstream.proc.once('message', res); upstream.proc.send({ cmd: 'counts' }); });
const logText = readFileSync(logFile, 'utf8');
const piiInLog = (logText.match(/soak@example\.com/g) ?? []).length;
if (piiInLog) findings.push(`${piiInLog} e-mail addresses of the PII requests in the gateway's log`);
const reqs = Object.values(stats.sent).reduce((a, b) => a + b, 0) - warmRequests;
const summary = {
  backend: values.backend, minutes: Number(values.minutes), driveS, loops: Number(values.loops), requests: reqs, warmUpRequests: warmRequests, perSecond: reqs / driveS,
  sent: stats.sent, outcomes: stats.outcomes, restored: stats.restored, notRestored: stats.notRestored, jailbreakBlocked: stats.jailbreakBlocked, cacheHits: stats.cacheHits,
  counted, sentChatAndPassthrough: sent, upstream: upCounts,
  start: { ...base.s, heapAfterGcMb: mb(baseGc.heapUsed), rssAfterGcMb: mb(baseGc.rss), rssSettledMb: baseProc.rssMb }, end: { ...end.s, heapAfterGcMb: mb(endGc.heapUsed), rssAfterGcMb: mb(endGc.rss), rssSettledMb: endSettledMb },
  peak: { rssMb: Math.max(...samples.map((s) => s.rssMb)), fds: Math.max(...samples.map((s) => s.fds)), lagP99Ms: Math.max(...samples.map((s) => s.lagP99Ms)), inflight: Math.max(...samples.map((s) => s.inflight)) },
  rssSlopeMbPerMin: slope(samples.slice(Math.floor(samples.length / 2)).map((s) => [s.t / 60, s.rssMb])),
  heapSlopeMbPerMin: slope(samples.slice(Math.floor(samples.length / 2)).map((s) => [s.t / 60, s.heapUsedMb])),
  // The heap a full GC leaves, once the cache is full (the second half): anything kept per request shows here.
  heapAfterGc: gcd, heapAfterGcSlopeMbPerMin: slope(gcd.slice(Math.floor(gcd.length / 2)).map(([t, h]) => [t / 60, h])),
  rssByMappingMb: { start: mapsBase, end: rssByName(pid) },
  reloads, reloadsLogged: (readFileSync(logFile, 'utf8').match(/"config reloaded"/g) ?? []).length, freedLogged: (readFileSync(logFile, 'utf8').match(/is freed"/g) ?? []).length,
  findings, logFile, samples,
};
console.log(JSON.stringify({ ...summary, samples: undefined }, null, 1));
if (values.json) writeFileSync(values.json, JSON.stringify(summary, null, 1));
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await stop(upstream);
redisChild?.child.kill('SIGTERM');
process.exit(0);

/** Families with more series at the end than at the baseline (label sets keyed by something unbounded?). */
function growingFamilies(a: Scrape, b: Scrape): string[] {
  return [...b.perFamily].filter(([f, n]) => n > (a.perFamily.get(f) ?? 0)).map(([f, n]) => `${f} ${a.perFamily.get(f) ?? 0}->${n}`);
}

/** Least-squares slope of [x, y] points. */
function slope(p: Array<[number, number]>): number {
  const n = p.length;
  if (n < 2) return 0;
  const mx = p.reduce((a, [x]) => a + x, 0) / n;
  const my = p.reduce((a, [, y]) => a + y, 0) / n;
  const num = p.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = p.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}
