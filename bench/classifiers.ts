// Latency of the default classifiers on one ~200-token chat request, onnxruntime-node CPU, one
// intra-op thread: each classifier alone and all of them in sequence (what the gateway does per
// request), p50/p99 over many runs after warm-up. Prints a markdown table. The combinations are
// timed twice, interleaved in blocks: each pack on its own session, and with the packs fused into
// one session (src/classify/fused.ts) so that the first call runs the others along.
//
//   taskset -c 0 npx tsx bench/classifiers.ts [--runs 2000] [--warmup 300] [--threads 1] [--models DIR]
// With --ab OLD_DIR only the fused combinations are timed, on OLD_DIR's packs against --models' in
// alternating blocks in one process: back-to-back runs of this bench on the shared box moved by more
// than a change of a few percent (BENCHMARKS.md), paired blocks in one process do not.
import { cpus } from 'node:os';
import { createNodeEngine } from '../runtimes/node/ort-engine.ts';
import { createFileSource, defaultModelsDir } from '../runtimes/node/file-source.ts';
import { createClassifiers, fusePacks, fuseSharingWeights, loadPacks } from '../src/classify/registry.ts';
import type { Classifiers, InferenceEngine, ModelSource } from '../src/classify/types.ts';
import type { FusedSession } from '../src/classify/fused.ts';
import type { LoadedPack } from '../src/classify/pack-loader.ts';
import { cliArg, REQUEST, textCycle, timeRuns, VARIANTS, type Timing } from './timing.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => cliArg(args, name, dflt);
const RUNS = Number(arg('runs', '2000'));
const WARMUP = Number(arg('warmup', '300'));
const THREADS = Number(arg('threads', '1'));
const MODELS = arg('models', defaultModelsDir());
const AB = arg('ab', '');

const nextText = textCycle();
const measure = (fn: (text: string) => unknown, next?: () => string) => timeRuns(fn, { runs: RUNS, warmup: WARMUP, next });

const fmt = (ms: number) => ms.toFixed(3);

const blocks = 8;
// CPU time per call next to wall-clock percentiles: on a shared box the wall clock includes time
// other processes held the core; CPU time (process.cpuUsage, whole block incl. warm-up) does not.
const cpuOf = new WeakMap<Timing, number>();
const timeBlock = async (fn: (text: string) => unknown, o: { runs: number; warmup: number; next: () => string }) => {
  const c0 = process.cpuUsage();
  const t = await timeRuns(fn, o);
  const c = process.cpuUsage(c0);
  cpuOf.set(t, (c.user + c.system) / 1000 / (o.runs + o.warmup));
  return t;
};
type Calls = Record<string, (text: string) => Promise<unknown>>;
const together = (cs: Calls, names: string[]) => async (text: string) => {
  for (const n of names) await cs[n]!(text);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pooled = (ts: Timing[]) => ({ p50: median(ts.map((t) => t.p50)), p99: median(ts.map((t) => t.p99)), mean: median(ts.map((t) => t.mean)), cpu: median(ts.map((t) => cpuOf.get(t) ?? NaN)) });

async function main() {
  const wanted = ['domain', 'intent', 'jailbreak', 'pii', 'embedding'];
  const source = createFileSource(MODELS);
  const present: string[] = [];
  for (const name of wanted) {
    try {
      await source.read(`${name}/manifest.json`);
      present.push(name);
    } catch {
      console.error(`pack ${name}: not found under ${MODELS}, left out`);
    }
  }
  const engine = createNodeEngine('cpu', undefined, { intraOpNumThreads: THREADS, interOpNumThreads: 1 });
  const packs = await loadPacks(source, engine, Object.fromEntries(present.map((n) => [n, n])));
  const byName = new Map<string, LoadedPack>(packs.map((p) => [p.info.name, p]));
  const c = createClassifiers(packs);
  const four = ['domain', 'jailbreak', 'pii', 'embedding'].filter((n) => byName.has(n));
  const gatewayPacks = ['jailbreak', 'domain'].filter((n) => byName.has(n));

  const callsOf = (x: Classifiers) => {
    const calls: Calls = {};
    for (const name of present) {
      const task = byName.get(name)!.manifest.task;
      if (task === 'sequence-classification') calls[name] = (text) => x.sequence(name)!.classify(text);
      else if (task === 'token-classification') calls[name] = (text) => x.pii(name)!.detect(text);
      else calls[name] = (text) => x.embedder(name)!.embed(text);
    }
    return calls;
  };
  const calls = callsOf(c);
  if (AB) return ab(packs, source, engine, callsOf, [four, gatewayPacks]);

  const rows: string[] = [];
  for (const name of present) {
    const pack = byName.get(name)!;
    const full = await measure((t) => calls[name]!(t), nextText);
    const feat = await measure((t) => pack.featurizer.encode(t), nextText);
    const f = pack.featurizer.encode(REQUEST);
    const run = await measure(() => pack.session.run(f.feeds));
    const what = pack.manifest.task === 'token-classification' ? `${name} (model + recognizers)` : name;
    rows.push(`| ${what} | ${fmt(full.p50)} | ${fmt(full.p99)} | ${fmt(full.mean)} | ${fmt(feat.p50)} | ${fmt(run.p50)} | |`);
  }

  // Each combination on separate sessions and fused, in alternating blocks (the box is shared:
  // interleaving spreads any background load over both), all samples pooled per variant.
  // Each combination gets a session fusing exactly its packs, as the gateway fuses its per-request
  // packs (src/load-classifiers.ts perRequestPacks).
  const combos: Array<{ label: string; names: string[]; fused?: typeof calls }> = [
    { label: `**${four.join(' + ')}**`, names: four },
    { label: gatewayPacks.join(' + '), names: gatewayPacks },
  ];
  if (calls.intent) combos.push({ label: [...four, 'intent'].join(' + '), names: [...four, 'intent'] });
  const fusedSessions = [];
  for (const combo of combos) {
    const f = await fusePacks(packs, source, engine, [combo.names]);
    fusedSessions.push(...f);
    combo.fused = callsOf(createClassifiers(packs, { fused: f }));
  }
  const results = new Map<string, { sep: Timing[]; fused: Timing[] }>();
  for (let b = 0; b < blocks; b++) {
    for (const combo of combos) {
      const r = results.get(combo.label) ?? { sep: [], fused: [] };
      results.set(combo.label, r);
      const o = { runs: Math.ceil(RUNS / blocks), warmup: Math.ceil(WARMUP / blocks), next: nextText };
      r.sep.push(await timeBlock(together(calls, combo.names), o));
      r.fused.push(await timeBlock(together(combo.fused!, combo.names), o));
    }
  }
  let all4 = { p50: Infinity, p99: Infinity, mean: Infinity, cpu: Infinity };
  for (const combo of combos) {
    const r = results.get(combo.label)!;
    const s = pooled(r.sep);
    const f = pooled(r.fused);
    if (combo.names === four) all4 = f;
    rows.push(`| ${combo.label} (sequential, separate sessions) | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.mean)} | | | ${fmt(s.cpu)} |`);
    rows.push(`| ${combo.label} (sequential, fused session) | ${fmt(f.p50)} | ${fmt(f.p99)} | ${fmt(f.mean)} | | | ${fmt(f.cpu)} |`);
  }

  // The gateway releases the own sessions of fused packs of 4 MiB or more (src/load-classifiers.ts;
  // domain, not jailbreak): a call alone then runs on the fused session with the other members on
  // placeholders. Here both are released, to show that cost for each.
  if (gatewayPacks.length === 2) {
    const mine = await loadPacks(source, engine, Object.fromEntries(gatewayPacks.map((n) => [n, n])));
    const shared = await fuseSharingWeights(mine, source, engine, [gatewayPacks], { releaseAtLeastBytes: 0 });
    fusedSessions.push(...shared.fused);
    const onFused = callsOf(createClassifiers(shared.packs, { coRun: { mode: 'never' } }));
    for (const name of gatewayPacks) {
      const own: Timing[] = [];
      const shared: Timing[] = [];
      for (let b = 0; b < blocks; b++) {
        const o = { runs: Math.ceil(RUNS / blocks), warmup: Math.ceil(WARMUP / blocks), next: nextText };
        own.push(await timeBlock(calls[name]!, o));
        shared.push(await timeBlock(onFused[name]!, o));
      }
      const a = pooled(own);
      const x = pooled(shared);
      rows.push(`| ${name} alone, own session | ${fmt(a.p50)} | ${fmt(a.p99)} | ${fmt(a.mean)} | | | ${fmt(a.cpu)} |`);
      rows.push(`| ${name} alone on the fused ${gatewayPacks.join(' + ')} session | ${fmt(x.p50)} | ${fmt(x.p99)} | ${fmt(x.mean)} | | | ${fmt(x.cpu)} |`);
    }
  }

  const words = VARIANTS[0]!.match(/\w+|[^\w\s]/g)?.length ?? 0;
  console.log(`\nRequest: ${VARIANTS[0]!.length} characters, ${words} word/punctuation tokens.`);
  console.log(`onnxruntime-node ${engine.name} CPU, intra-op threads ${THREADS}, inter-op 1; ${WARMUP} warm-up + ${RUNS} timed runs each.`);
  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} visible cores).\n`);
  console.log('| classifier | p50 ms | p99 ms | mean ms | featurize p50 ms | session.run p50 ms | CPU ms/call |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log(`\nCommand: taskset -c 0 npx tsx bench/classifiers.ts ${args.join(' ')}`.trimEnd());
  console.log(`Combinations: median over ${blocks} interleaved blocks of each block's p50/p99/mean.`);
  console.log(`Target: all four together p50 <= 0.5 ms -> ${all4.p50 <= 0.5 ? 'met' : `missed by ${fmt(all4.p50 - 0.5)} ms`} (fused)`);
  await Promise.all([...packs.map((p) => p.session.release?.()), ...fusedSessions.map((f) => f.release())]);
}

/** --ab: each combination fused on the old folder's packs and on these, alternating blocks. */
async function ab(packs: LoadedPack[], source: ModelSource, engine: InferenceEngine, callsOf: (x: Classifiers) => Calls, combos: string[][]) {
  const oldSource = createFileSource(AB);
  const old = await loadPacks(oldSource, engine, Object.fromEntries(packs.map((p) => [p.info.name, p.info.name])));
  const sessions: FusedSession[] = [];
  const variants = [];
  for (const names of combos) {
    const sides = [];
    for (const [ps, src] of [[old, oldSource], [packs, source]] as const) {
      const f = await fusePacks(ps, src, engine, [names]);
      sessions.push(...f);
      sides.push({ calls: callsOf(createClassifiers(ps, { fused: f })), t: [] as Timing[] });
    }
    variants.push({ names, sides });
  }
  for (let b = 0; b < 2 * blocks; b++) {
    for (const v of variants) {
      const o = { runs: Math.ceil(RUNS / blocks), warmup: Math.ceil(WARMUP / blocks), next: nextText };
      for (const side of b % 2 ? v.sides : [...v.sides].reverse()) side.t.push(await timeBlock(together(side.calls, v.names), o));
    }
  }
  console.log(`\n${AB} (old) against ${MODELS} (new), fused, ${2 * blocks} alternating blocks, ${Math.ceil(RUNS / blocks)} calls each; Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}.\n`);
  console.log('| combination | old p50 ms | new p50 ms | old CPU ms/call | new CPU ms/call | new cheaper in paired blocks (CPU) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const v of variants) {
    const [o, n] = v.sides.map((s) => pooled(s.t));
    const wins = v.sides[1]!.t.filter((t, i) => cpuOf.get(t)! < cpuOf.get(v.sides[0]!.t[i]!)!).length;
    console.log(`| ${v.names.join(' + ')} | ${fmt(o!.p50)} | ${fmt(n!.p50)} | ${fmt(o!.cpu)} | ${fmt(n!.cpu)} | ${wins}/${2 * blocks} |`);
  }
  console.log(`\nCommand: taskset -c 0 npx tsx bench/classifiers.ts ${args.join(' ')}`);
  await Promise.all([...packs, ...old].map((p) => p.session.release?.()).concat(sessions.map((f) => f.release())));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
