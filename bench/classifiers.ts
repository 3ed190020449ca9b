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

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const RUNS = Number(arg('runs', '2000'));
const WARMUP = Number(arg('warmup', '300'));
const THREADS = Number(arg('threads', '1'));
const MODELS = arg('models', defaultModelsDir());

// A realistic user turn: a question with context, a name, an email and a date (so PII has work).
const REQUEST = [
  'Hi, I am Maria Garcia from the finance team at Northwind in Berlin, you can reach me at maria.garcia@northwind.example.',
  'I am preparing a report for our quarterly review on 14 March 2025 and I need help with the statistics part.',
  'We measured the monthly revenue of twelve stores over two years and want to know whether the growth after the',
  'marketing campaign is significant. Should I use a paired t-test or a Wilcoxon signed-rank test, given that the',
  'distribution of differences looks skewed and two stores had unusual spikes during the holidays? Please explain',
  'the assumptions of each test, how to check them in Python with scipy, and how to report effect sizes and',
  'confidence intervals in a way that non-technical managers understand. If a regression model with store fixed',
  'effects would be better, show a short example with statsmodels and explain how to interpret the coefficients.',
].join(' ');

// Distinct texts per iteration, so nothing is served from the featurizer sharing across runs: in
// the gateway every request is new text, and only packs within one request share features.
const VARIANTS = Array.from({ length: 257 }, (_, i) => `${REQUEST} Case ${(i * 7919).toString(36)}.`);
let turn = 0;
const nextText = () => VARIANTS[turn++ % VARIANTS.length]!;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(fn: () => Promise<unknown> | unknown): Promise<{ p50: number; p99: number; mean: number }> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const t = new Float64Array(RUNS);
  for (let i = 0; i < RUNS; i++) {
    const s = process.hrtime.bigint();
    await fn();
    t[i] = Number(process.hrtime.bigint() - s) / 1e6;
  }
  const mean = t.reduce((a, b) => a + b, 0) / RUNS;
  t.sort();
  return { p50: percentile(t, 50), p99: percentile(t, 99), mean };
}

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
    const full = await measure(() => calls[name]!(nextText()));
    const feat = await measure(() => pack.featurizer.encode(nextText()));
    const f = pack.featurizer.encode(REQUEST);
    const run = await measure(() => pack.session.run(f.feeds));
    const what = pack.manifest.task === 'token-classification' ? `${name} (model + recognizers)` : name;
    rows.push(`| ${what} | ${fmt(full.p50)} | ${fmt(full.p99)} | ${fmt(full.mean)} | ${fmt(feat.p50)} | ${fmt(run.p50)} |`);
  }
  const four = ['domain', 'jailbreak', 'pii', 'embedding'].filter((n) => calls[n]);
  const together = async (names: string[]) => {
    const text = nextText();
    for (const n of names) await calls[n]!(text);
  };
  const all4 = await measure(() => together(four));
  rows.push(`| **${four.join(' + ')}** (sequential) | **${fmt(all4.p50)}** | **${fmt(all4.p99)}** | ${fmt(all4.mean)} | | |`);
  if (calls.intent) {
    const all5 = await measure(() => together([...four, 'intent']));
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
