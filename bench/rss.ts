// Where semroute's resident memory goes, and A/B of launch settings that move it. Each variant runs in
// a fresh process per round (RSS depends on the process's history), variants interleaved, order
// alternating by round:
//   npx tsx bench/rss.ts [--rounds 4] [--seconds 5] [--conns 32] [--stream] [--file bare-proxy.ts] VARIANT...
// A VARIANT is `label`, `label:ENV=v,ENV2=v` or `label:ENV=v+--node-flag+--other-flag` (env for the
// server process only), e.g. `base arena2:MALLOC_ARENA_MAX=2`. `base` alone is the plain launch.
// `label@NAME...` runs a bundle saved with `npx tsx bench/ab.ts --save NAME` instead of the working tree.
// Per process: /proc/PID/status (VmRSS, RssAnon, RssFile) idle after start, the peak and the end of
// the measured load, and idle 2 s after it; process.memoryUsage() at the end of the load; CPU per
// request over the measured load; RSS by mapping after it. --gc-check adds the V8 heap in use after
// a full GC before and after the load (growth there is something the process keeps).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runLoad } from './load.ts';
import { bundle, chatBodies, root, rssByMapping, start, startBundled, stop, type Child } from './servers.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    conns: { type: 'string', default: '32' },
    stream: { type: 'boolean', default: false },
    file: { type: 'string', default: 'semroute-server.ts' },
    // A full GC before and after the load, to compare the V8 heap still in use (is anything kept?).
    'gc-check': { type: 'boolean', default: false },
  },
});

interface Variant { label: string; saved?: string; env: Record<string, string>; flags: string[] }
const variants: Variant[] = (positionals.length ? positionals : ['base']).map((v) => {
  const [label, rest = ''] = v.split(/:(.*)/s) as [string, string?];
  const [envPart = '', ...flags] = rest.split('+');
  const env = Object.fromEntries(envPart.split(',').filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const [, saved] = label.split('@');
  return { label, saved, env, flags };
});

const mb = (kb: number) => kb / 1024;
function status(pid: number): { rss: number; anon: number; file: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0);
  return { rss: mb(kb('VmRSS')), anon: mb(kb('RssAnon')), file: mb(kb('RssFile')) };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function launch(file: string, v: Variant, upstreamPort: number): Promise<Child> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, val] of Object.entries(v.env)) { saved[k] = process.env[k]; process.env[k] = val; }
  try {
    // bench/bare-proxy.ts (--file) takes the upstream's URL, semroute-server.ts its port.
    const arg = values.file === 'bare-proxy.ts' ? `http://127.0.0.1:${upstreamPort}` : String(upstreamPort);
    return await startBundled(v.label, file, [arg], v.flags); // fork copies process.env now
  } finally {
    for (const [k, val] of Object.entries(saved)) if (val === undefined) delete process.env[k]; else process.env[k] = val;
  }
}

const bodies = chatBodies(values.stream);
const conns = Number(values.conns);
const seconds = Number(values.seconds);
const upstream = await start('upstream', 'fast-upstream.ts', []);
const server = await bundle(values.file);
type Row = Record<string, number>;
const rows = new Map<string, Row[]>();
const maps = new Map<string, string>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const v of round % 2 ? [...variants].reverse() : variants) {
    const c = await launch(v.saved ? `${root}dist/bench/ab-${v.saved}.mjs` : server, v, upstream.port);
    const pid = c.proc.pid!;
    await sleep(1000);
    const idle0 = status(pid);
    const gc0 = values['gc-check'] ? await c.usage({ gc: true }) : undefined; // V8 heap reachable after start
    await runLoad({ port: c.port, bodies, connections: conns, seconds: 2 }); // warm-up: JIT, pools
    let peak = 0;
    const timer = setInterval(() => { peak = Math.max(peak, status(pid).rss); }, 200);
    const before = await c.usage();
    const r = await runLoad({ port: c.port, bodies, connections: conns, seconds });
    const after = await c.usage();
    clearInterval(timer);
    const end = status(pid);
    peak = Math.max(peak, end.rss);
    await sleep(2000);
    const idle1 = status(pid);
    const gc1 = values['gc-check'] ? await c.usage({ gc: true }) : undefined; // ... and after the load: growth is something kept
    const row: Row = {
      'idle start': idle0.rss, 'load peak': peak, 'load end': end.rss, 'end anon': end.anon, 'end file': end.file,
      'idle after': idle1.rss, 'heap total': (after.heapTotal ?? 0) / 1048576, 'array buffers': (after.arrayBuffers ?? 0) / 1048576,
      'external': (after.external ?? 0) / 1048576,
      ...(gc0 && gc1 ? { 'heap used, gc, start': (gc0.heapUsed ?? 0) / 1048576, 'heap used, gc, after': (gc1.heapUsed ?? 0) / 1048576, 'rss after gc': gc1.rss / 1048576 } : {}), 'cpu/req us': (after.cpuUs - before.cpuUs) / r.requests, 'req/s': r.requests / r.seconds,
      errors: r.errors,
    };
    rows.set(v.label, [...(rows.get(v.label) ?? []), row]);
    maps.set(v.label, rssByMapping(pid, 2).map(([n, m]) => `${n} ${m.toFixed(0)}`).join(', '));
    console.log(`round ${round} ${v.label}: ${Object.entries(row).map(([k, x]) => `${k} ${x.toFixed(k === 'errors' ? 0 : 1)}`).join(', ')}`);
    await stop(c);
  }
}
const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
console.log(`\nmedians over ${values.rounds} rounds (MB unless noted), ${conns} connections, ${values.stream ? 'streaming' : 'non-streaming'}, ${seconds} s measured:`);
const keys = Object.keys(rows.values().next().value![0]!);
console.log(`| variant | ${keys.join(' | ')} |\n|---|${keys.map(() => '---:').join('|')}|`);
for (const [label, rs] of rows) console.log(`| ${label} | ${keys.map((k) => med(rs.map((r) => r[k]!)).toFixed(k === 'errors' ? 0 : 1)).join(' | ')} |`);
for (const [label, m] of maps) console.log(`RSS by mapping, ${label} (last round, after load, MB >= 2): ${m}`);
await stop(upstream);
process.exit(0);
