// Latency of the default classifiers on one ~200-token chat request, onnxruntime-node CPU, one
// intra-op thread: each classifier alone and all of them in sequence (what the gateway does per
// request), p50/p99 over many runs after warm-up. Prints a markdown table.
//
//   taskset -c 0 npx tsx bench/classifiers.ts [--runs 2000] [--warmup 300] [--threads 1] [--models DIR]
import { cpus } from 'node:os';
import { createNodeEngine } from '../runtimes/node/ort-engine.ts';
import { createFileSource, defaultModelsDir } from '../runtimes/node/file-source.ts';
import { createClassifiers, loadPacks } from '../src/classify/registry.ts';
import type { LoadedPack } from '../src/classify/pack-loader.ts';
import { cliArg, REQUEST, textCycle, timeRuns, VARIANTS } from './timing.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => cliArg(args, name, dflt);
const RUNS = Number(arg('runs', '2000'));
const WARMUP = Number(arg('warmup', '300'));
const THREADS = Number(arg('threads', '1'));
const MODELS = arg('models', defaultModelsDir());

const nextText = textCycle();
const measure = (fn: (text: string) => unknown, next?: () => string) => timeRuns(fn, { runs: RUNS, warmup: WARMUP, next });

const fmt = (ms: number) => ms.toFixed(3);

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

  const calls: Record<string, (text: string) => Promise<unknown>> = {};
  for (const name of present) {
    const task = byName.get(name)!.manifest.task;
    if (task === 'sequence-classification') calls[name] = (text) => c.sequence(name)!.classify(text);
    else if (task === 'token-classification') calls[name] = (text) => c.pii(name)!.detect(text);
    else calls[name] = (text) => c.embedder(name)!.embed(text);
  }

  const rows: string[] = [];
  for (const name of present) {
    const pack = byName.get(name)!;
    const full = await measure((t) => calls[name]!(t), nextText);
    const feat = await measure((t) => pack.featurizer.encode(t), nextText);
    const f = pack.featurizer.encode(REQUEST);
    const run = await measure(() => pack.session.run(f.feeds));
    const what = pack.manifest.task === 'token-classification' ? `${name} (model + recognizers)` : name;
    rows.push(`| ${what} | ${fmt(full.p50)} | ${fmt(full.p99)} | ${fmt(full.mean)} | ${fmt(feat.p50)} | ${fmt(run.p50)} |`);
  }
  const four = ['domain', 'jailbreak', 'pii', 'embedding'].filter((n) => calls[n]);
  const together = async (names: string[], text: string) => {
    for (const n of names) await calls[n]!(text);
  };
  const all4 = await measure((t) => together(four, t), nextText);
  rows.push(`| **${four.join(' + ')}** (sequential) | **${fmt(all4.p50)}** | **${fmt(all4.p99)}** | ${fmt(all4.mean)} | | |`);
  if (calls.intent) {
    const all5 = await measure((t) => together([...four, 'intent'], t), nextText);
    rows.push(`| ${[...four, 'intent'].join(' + ')} (sequential) | ${fmt(all5.p50)} | ${fmt(all5.p99)} | ${fmt(all5.mean)} | | |`);
  }

  const words = VARIANTS[0]!.match(/\w+|[^\w\s]/g)?.length ?? 0;
  console.log(`\nRequest: ${VARIANTS[0]!.length} characters, ${words} word/punctuation tokens.`);
  console.log(`onnxruntime-node ${engine.name} CPU, intra-op threads ${THREADS}, inter-op 1; ${WARMUP} warm-up + ${RUNS} timed runs each.`);
  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} visible cores).\n`);
  console.log('| classifier | p50 ms | p99 ms | mean ms | featurize p50 ms | session.run p50 ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log(`\nCommand: taskset -c 0 npx tsx bench/classifiers.ts ${args.join(' ')}`.trimEnd());
  console.log(`Target: all four together p50 <= 0.5 ms -> ${all4.p50 <= 0.5 ? 'met' : `missed by ${fmt(all4.p50 - 0.5)} ms`}`);
  await Promise.all(packs.map((p) => p.session.release?.()));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
