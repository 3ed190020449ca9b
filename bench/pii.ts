// Latency of the PII detector on one ~200-token request (onnxruntime-node CPU, one intra-op
// thread), split into its stages: featurizer, ORT run, token classifier (featurizer + ORT + argmax),
// recognizers, and the full detector (what the gateway calls). p50/p95 after warm-up, distinct text
// per run so nothing is cached.
//
//   taskset -c 0 npx tsx bench/pii.ts [--runs 2000] [--models DIR]
import { createNodeEngine } from '../runtimes/node/ort-engine.ts';
import { createFileSource, defaultModelsDir } from '../runtimes/node/file-source.ts';
import { loadPack } from '../src/classify/pack-loader.ts';
import { createPiiDetector } from '../src/classify/pii/detector.ts';
import { runRecognizers } from '../src/classify/pii/recognizers/index.ts';
import { createTokenClassifier } from '../src/classify/token-classifier.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const RUNS = Number(arg('runs', '2000'));
const WARMUP = 300;

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
const VARIANTS = Array.from({ length: 257 }, (_, i) => `${REQUEST} Case ${(i * 7919).toString(36)}.`);

async function measure(fn: (text: string) => unknown): Promise<{ p50: number; p95: number }> {
  let turn = 0;
  for (let i = 0; i < WARMUP; i++) await fn(VARIANTS[turn++ % VARIANTS.length]!);
  const t = new Float64Array(RUNS);
  for (let i = 0; i < RUNS; i++) {
    const text = VARIANTS[turn++ % VARIANTS.length]!;
    const s = process.hrtime.bigint();
    await fn(text);
    t[i] = Number(process.hrtime.bigint() - s) / 1e6;
  }
  t.sort();
  return { p50: t[Math.floor(RUNS / 2)]!, p95: t[Math.floor(RUNS * 0.95)]! };
}

async function main() {
  const pack = await loadPack(createFileSource(arg('models', defaultModelsDir())), 'pii', createNodeEngine('cpu'));
  const clf = createTokenClassifier(pack);
  const det = createPiiDetector(clf, { name: 'pii', threshold: pack.manifest.threshold ?? 0.5 });
  const f0 = pack.featurizer.encode(VARIANTS[0]!);
  const rows: Array<[string, { p50: number; p95: number }]> = [
    ['featurizer', await measure((t) => pack.featurizer.encode(t))],
    ['ORT run (fixed feeds)', await measure(() => pack.session.run(f0.feeds))],
    ['token classifier', await measure((t) => clf.predict(t))],
    ['recognizers', await measure((t) => runRecognizers(t))],
    ['full detector', await measure((t) => det.detect(t))],
  ];
  process.stdout.write(`PII detector, ${f0.length} tokens, ${RUNS} runs, onnxruntime-node CPU 1 thread\n\n| stage | p50 ms | p95 ms |\n| --- | ---: | ---: |\n`);
  for (const [name, r] of rows) process.stdout.write(`| ${name} | ${r.p50.toFixed(3)} | ${r.p95.toFixed(3)} |\n`);
}

await main();
