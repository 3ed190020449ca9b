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
import { cliArg, textCycle, timeRuns, VARIANTS, type Timing } from './timing.ts';

const args = process.argv.slice(2);
const RUNS = Number(cliArg(args, 'runs', '2000'));
const WARMUP = 300;

const measure = (fn: (text: string) => unknown) => timeRuns(fn, { runs: RUNS, warmup: WARMUP, next: textCycle() });

async function main() {
  const pack = await loadPack(createFileSource(cliArg(args, 'models', defaultModelsDir())), 'pii', createNodeEngine('cpu'));
  const clf = createTokenClassifier(pack);
  const det = createPiiDetector(clf, { name: 'pii', threshold: pack.manifest.threshold ?? 0.5 });
  const f0 = pack.featurizer.encode(VARIANTS[0]!);
  const rows: Array<[string, Timing]> = [
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
