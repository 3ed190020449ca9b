// `npm run bench`: the same requests, interleaved in one run, to (a) the fast upstream directly,
// (b) a bare Hono + fetch proxy, (c) semroute with the full pipeline; non-streaming and streaming;
// at 32 connections and at concurrency 1. Writes its section of BENCHMARKS.md.
//   BENCH_SECONDS (default 3) per measurement, BENCH_ROUNDS (default 3) interleaved rounds.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { percentile, runLoad, type LoadResult } from './load.ts';
import { chatBodies, root, rssByMapping, start, type Child } from './servers.ts';
import { MALLOC_ENV } from '../runtimes/node/malloc-env.ts';

const USAGE = `Usage: npm run bench

Runs the same chat requests, interleaved, against the fast upstream directly, a bare Hono + fetch
proxy and semroute (full pipeline), non-streaming and streaming, at 32 connections and at
concurrency 1, then rewrites the gateway section of BENCHMARKS.md. Takes minutes and loads every core.
Settings come from the environment:
  BENCH_SECONDS   seconds per measurement (default 3)
  BENCH_ROUNDS    interleaved rounds (default 3)
`;
// Checked before anything starts: a --help (or a flag meant for another bench script) must not start
// the servers and rewrite BENCHMARKS.md.
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (argv.length) {
  process.stderr.write(`bench: unknown argument '${argv[0]}'\n\n${USAGE}`);
  process.exit(2);
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const jsonBodies = chatBodies(false);
const sseBodies = chatBodies(true);
const bodies = (stream: boolean) => (stream ? sseBodies : jsonBodies);

interface Agg {
  requests: number;
  seconds: number;
  errors: number;
  lat: number[];
  first: number[];
  cpuUs: number;
  rssMax: number;
}

async function main() {
  const upstream = await start('upstream', 'fast-upstream.ts', []);
  const bare = await start('bare Hono + fetch', 'bare-proxy.ts', [`http://127.0.0.1:${upstream.port}`]);
  const sem = await start('semroute', 'semroute-server.ts', [String(upstream.port)], [], { ...MALLOC_ENV });
  const targets = [
    { name: 'upstream direct', port: upstream.port, child: upstream },
    { name: 'bare Hono + fetch proxy', port: bare.port, child: bare },
    { name: 'semroute (full pipeline)', port: sem.port, child: sem },
  ];
  const scenarios = [
    { label: 'non-streaming, 32 connections', stream: false, conns: 32 },
    { label: 'streaming, 32 connections', stream: true, conns: 32 },
    { label: 'non-streaming, concurrency 1', stream: false, conns: 1 },
    { label: 'streaming, concurrency 1', stream: true, conns: 1 },
  ];
  const agg = new Map<string, Agg>();
  const key = (s: string, t: string) => `${s}|${t}`;

  // Warm-up: JIT, keep-alive pools, ORT sessions.
  for (const t of targets) for (const s of [false, true]) await runLoad({ port: t.port, bodies: bodies(s), connections: 8, seconds: 1 });

  for (let round = 0; round < ROUNDS; round++) {
    for (const sc of scenarios) {
      for (const t of round % 2 ? [...targets].reverse() : targets) {
        const before = await t.child.usage();
        const r: LoadResult = await runLoad({ port: t.port, bodies: bodies(sc.stream), connections: sc.conns, seconds: SECONDS });
        const after = await t.child.usage();
        const a = agg.get(key(sc.label, t.name)) ?? { requests: 0, seconds: 0, errors: 0, lat: [], first: [], cpuUs: 0, rssMax: 0 };
        a.requests += r.requests;
        a.seconds += r.seconds;
        a.errors += r.errors;
        // Not push(...xs): a fast host answers 100k+ requests a round, past V8's argument limit.
        for (const x of r.latencies) a.lat.push(x);
        for (const x of r.firstByte) a.first.push(x);
        a.cpuUs += after.cpuUs - before.cpuUs;
        a.rssMax = Math.max(a.rssMax, after.rss);
        agg.set(key(sc.label, t.name), a);
        process.stderr.write(`round ${round + 1}/${ROUNDS} ${sc.label.padEnd(30)} ${t.name.padEnd(26)} ${(r.requests / r.seconds).toFixed(0)} req/s\n`);
      }
    }
  }
  // What the resident memory is made of, at the end of the run (still warm from the load).
  const memory = async (c: Child) => {
    const u = await c.usage();
    const sp = u.spaces ?? {};
    const young = (sp.new_space ?? 0) + (sp.new_large_object_space ?? 0);
    const maps = rssByMapping(c.proc.pid, 2)
      .map(([n, mb]) => `${n === 'node' ? 'node binary' : n} ${mb.toFixed(0)}`)
      .join(', ');
    return (
      `RSS ${(u.rss / 1048576).toFixed(0)} MB: V8 heap ${((u.heapTotal ?? 0) / 1048576).toFixed(0)} MB (young generation ${young.toFixed(0)}, old ${(sp.old_space ?? 0).toFixed(0)}, ` +
      `code ${(sp.code_space ?? 0).toFixed(0)}, large objects ${(sp.large_object_space ?? 0).toFixed(0)}), ArrayBuffers ${((u.arrayBuffers ?? 0) / 1048576).toFixed(0)} MB` +
      (maps ? `; by mapping (MB, >= 2): ${maps}` : '')
    );
  };
  const semMemory = await memory(sem);
  const bareMemory = await memory(bare);
  for (const t of targets) t.child.proc.kill();

  const rows: string[] = [];
  const summary: Record<string, Record<string, number>> = {};
  for (const sc of scenarios) {
    rows.push(`\n**${sc.label}**\n`);
    rows.push('| target | req/s | p50 ms | p99 ms | first chunk p50 ms | server CPU per request | RSS MB | errors |');
    rows.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const t of targets) {
      const a = agg.get(key(sc.label, t.name))!;
      const lat = a.lat.sort((x, y) => x - y);
      const first = a.first.sort((x, y) => x - y);
      const rps = a.requests / a.seconds;
      const cpu = a.requests ? a.cpuUs / a.requests : NaN;
      summary[key(sc.label, t.name)] = { rps, p50: percentile(lat, 50), p99: percentile(lat, 99), first50: percentile(first, 50), cpu };
      rows.push(
        `| ${t.name} | ${rps.toFixed(0)} | ${percentile(lat, 50).toFixed(3)} | ${percentile(lat, 99).toFixed(3)} | ${sc.stream ? percentile(first, 50).toFixed(3) : '-'} | ${cpu.toFixed(0)} us | ${(a.rssMax / 1048576).toFixed(0)} | ${a.errors} |`,
      );
    }
  }
  const g = (sc: string, t: string) => summary[key(sc, t)];
  const ratio = g('non-streaming, 32 connections', 'semroute (full pipeline)').rps / g('non-streaming, 32 connections', 'bare Hono + fetch proxy').rps;
  const ratioS = g('streaming, 32 connections', 'semroute (full pipeline)').rps / g('streaming, 32 connections', 'bare Hono + fetch proxy').rps;
  const addedP50 = g('non-streaming, concurrency 1', 'semroute (full pipeline)').p50 - g('non-streaming, concurrency 1', 'upstream direct').p50;
  const addedFirst = g('streaming, concurrency 1', 'semroute (full pipeline)').first50 - g('streaming, concurrency 1', 'upstream direct').first50;
  const bareAddedFirst = g('streaming, concurrency 1', 'bare Hono + fetch proxy').first50 - g('streaming, concurrency 1', 'upstream direct').first50;
  const cpuRatio = g('non-streaming, 32 connections', 'semroute (full pipeline)').cpu / g('non-streaming, 32 connections', 'bare Hono + fetch proxy').cpu;
  const cpuRatioS = g('streaming, 32 connections', 'semroute (full pipeline)').cpu / g('streaming, 32 connections', 'bare Hono + fetch proxy').cpu;
  const semRss = Math.max(...scenarios.map((sc) => agg.get(key(sc.label, 'semroute (full pipeline)'))!.rssMax)) / 1048576;

  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  const section = `<!-- gateway-bench:start -->
## Gateway: semroute vs a bare Hono + fetch proxy vs the upstream direct

Command: \`npm run bench\` (BENCH_SECONDS=${SECONDS}, BENCH_ROUNDS=${ROUNDS}: each cell is ${ROUNDS} interleaved runs of ${SECONDS} s).
Machine: ${os.cpus().length} x ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.
**The machine was shared with other engineers' builds and tests while this ran** (load average at start ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores),
so absolute figures are noisy; the ratios come from the same interleaved run.
Each server is its own process, bundled with esbuild and run by plain \`node\` (as \`npm run build && npm start\` runs semroute, with the start script's glibc malloc settings, runtimes/node/malloc-env.ts; the bare proxy without them); the load generator (bench/load.ts, node:http keep-alive, closed loop) shares the same cores.
Requests: the ${jsonBodies.length} questions of \`domain_classify_cases.json\` in turn, \`"model": "MoM"\`, header \`x-user-id\`.
semroute runs the bundled default config and packs: jailbreak guard, domain classification and routing, PII policy, system prompt and reasoning rewrite,
endpoint pool, undici keep-alive upstream client, metrics, one pino log line per request (through main.ts's stdout destination: synchronous writes, once per event-loop turn; here to /dev/null); semantic cache off (every request reaches the upstream).
Upstream: bench/fast-upstream.ts, node:http with precomputed answers (a streamed answer sends its first event at once, the rest on the next tick).
Server CPU per request = the server process's user+system CPU time over the run / requests answered.
${rows.join('\n')}

Against the targets (same run):
- requests/s at 32 connections, semroute / bare Hono + fetch: **${ratio.toFixed(2)}x** non-streaming, **${ratioS.toFixed(2)}x** streaming (target >= 2x).
- server CPU per request at 32 connections, semroute / bare Hono + fetch: **${cpuRatio.toFixed(2)}x** non-streaming, **${cpuRatioS.toFixed(2)}x** streaming (less sensitive to the shared machine than requests/s; 2x the requests/s needs about 0.5x).
- added p50 at concurrency 1 over the upstream direct: **${addedP50.toFixed(3)} ms** (target <= 0.5 ms).
- added time to the first streamed chunk at concurrency 1: semroute **${addedFirst.toFixed(3)} ms**, bare proxy ${bareAddedFirst.toFixed(3)} ms (the first chunk is passed on as it arrives; nothing waits for the rest).
- semroute RSS under load with the default packs loaded: **${semRss.toFixed(0)} MB** (target <= 150 MB).

What the RSS is made of at the end of the run (process.memoryUsage, v8.getHeapSpaceStatistics, /proc/PID/smaps; [anon] holds V8's heap and large native allocations such as onnxruntime's, [heap] malloc's smaller ones):
- semroute: ${semMemory}.
- bare Hono + fetch proxy: ${bareMemory}.
<!-- gateway-bench:end -->`;

  const file = `${root}BENCHMARKS.md`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const re = /<!-- gateway-bench:start -->[\s\S]*?<!-- gateway-bench:end -->/;
  const next = re.test(current) ? current.replace(re, section) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
  process.stdout.write(`${section}\n`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
