// Interleaved A/B of semroute builds under the bench's load, for before/after checks of one change on
// a shared machine: each round runs every build once (order alternating), and CPU per request is the
// server process's own. Save a "before" bundle first, then change the code:
//   npx tsx bench/ab.ts --save before          (bundles bench/semroute-server.ts to dist/bench/ab-before.mjs)
//   npx tsx bench/ab.ts before current [--rounds 6] [--seconds 3] [--conns 32] [--stream]
// "current" bundles the working tree; any other name is a saved bundle dist/bench/ab-NAME.mjs. A name
// may carry node flags after '+', e.g. current+--max-semi-space-size=2.
import { copyFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { percentile, runLoad } from './load.ts';
import { bundle, chatBodies, root, start, startBundled, stop, type Child } from './servers.ts';
import { MALLOC_ENV } from '../runtimes/node/malloc-env.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    save: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '3' },
    conns: { type: 'string', default: '32' },
    stream: { type: 'boolean', default: false },
  },
});
const saved = (name: string) => `${root}dist/bench/ab-${name}.mjs`;
if (values.save) {
  copyFileSync(await bundle('semroute-server.ts'), saved(values.save));
  console.log(`saved ${saved(values.save)}`);
  process.exit(0);
}
const bodies = chatBodies(values.stream);

const upstream = await start('upstream', 'fast-upstream.ts', []);
const builds: Child[] = [];
for (const name of positionals) {
  const [base, ...flags] = name.split('+');
  const file = base === 'current' ? await bundle('semroute-server.ts') : saved(base);
  builds.push(await startBundled(name, file, [String(upstream.port)], flags, { ...MALLOC_ENV }));
}
const conns = Number(values.conns);
const seconds = Number(values.seconds);
// Warm-up: JIT, keep-alive pools, ORT sessions.
for (const b of builds) await runLoad({ port: b.port, bodies, connections: conns, seconds: 3 });
const cpu = new Map<string, number[]>();
const rps = new Map<string, number[]>();
const p50 = new Map<string, number[]>();
const rss = new Map<string, number>();
const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
for (let round = 0; round < Number(values.rounds); round++) {
  for (const b of round % 2 ? [...builds].reverse() : builds) {
    const before = await b.usage();
    const r = await runLoad({ port: b.port, bodies, connections: conns, seconds });
    const after = await b.usage();
    const lat = r.latencies.sort((x, y) => x - y);
    push(cpu, b.name, (after.cpuUs - before.cpuUs) / r.requests);
    push(rps, b.name, r.requests / r.seconds);
    push(p50, b.name, percentile(lat, 50));
    rss.set(b.name, Math.max(rss.get(b.name) ?? 0, after.rss));
    if (r.errors) console.log(`${b.name}: ${r.errors} errors`);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${values.stream ? 'streaming' : 'non-streaming'}, ${conns} connections, ${values.rounds} rounds x ${seconds} s (median of rounds; all rounds)`);
for (const b of builds) {
  console.log(
    `${b.name.padEnd(20)} cpu/req ${med(cpu.get(b.name)!).toFixed(0)} us [${cpu.get(b.name)!.map((x) => x.toFixed(0)).join(' ')}]  ` +
      `req/s ${med(rps.get(b.name)!).toFixed(0)}  p50 ${med(p50.get(b.name)!).toFixed(3)} ms  rss ${(rss.get(b.name)! / 1048576).toFixed(0)} MB`,
  );
}
// Per-round ratios against the first build (same round, so the same load on the box): steadier than
// the medians when the machine is shared.
const [first, ...rest] = builds;
for (const b of rest) {
  const ratios = cpu.get(b.name)!.map((x, i) => x / cpu.get(first!.name)![i]!);
  console.log(`${b.name} / ${first!.name} cpu/req per round: median ${med(ratios).toFixed(3)} [${ratios.map((r) => r.toFixed(2)).join(' ')}]`);
}
for (const b of builds) await stop(b);
await stop(upstream);
process.exit(0);
