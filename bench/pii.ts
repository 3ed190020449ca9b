// Latency of the PII detector on one ~200-token request (onnxruntime-node CPU, one intra-op
// thread), split into its stages: featurizer, ORT run, token classifier (featurizer + ORT + argmax),
// recognizers, and the full detector (what the gateway calls). p50/p95 after warm-up, distinct text
// per run so nothing is cached.
// --adversarial: CPU seconds (process.cpuUsage, median of --runs) of each recognizer and of all of
// them on 1 MB of one repeated shape ("1 2 3 ", "+1 ", ...), the shapes a scan that rescans each
// group or each candidate makes super-linear or slow; no model is loaded.
//
//   taskset -c 0 npx tsx bench/pii.ts [--runs 2000] [--models DIR]
//   nice npx tsx bench/pii.ts --adversarial [--runs 5] [--shapes '1 2 3 |+1 ']
import { createNodeEngine } from '../runtimes/node/ort-engine.ts';
import { createFileSource, defaultModelsDir } from '../runtimes/node/file-source.ts';
import { loadPack } from '../src/classify/pack-loader.ts';
import { createPiiDetector } from '../src/classify/pii/detector.ts';
import { RECOGNIZERS, runRecognizers } from '../src/classify/pii/recognizers/index.ts';
import { createTokenClassifier } from '../src/classify/token-classifier.ts';
import os from 'node:os';
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

// Digit groups with each separator, phone prefixes, extensions, counts and dots, each 1 MB; the last
// one has no space at all (listRunResume once searched the whole text before it for one).
const SHAPES = ['12 ', '1 2 3 ', '415 555 2671 ', '1-2-3 ', '1.2.3 ', '1 2-3.4 ', '+1 ', '(555) ', '+1 (555) ', '. ', '1. ', '1.', '555 1234 x12 ', 'ext. 12 ', '020 7946 0018 24 hours ', '1 2 3 4 5 6 7 8 9 0', '9', '11-22-33-44-55-66;'];

/** Median CPU seconds of fn() over `runs` calls. */
function cpuSeconds(fn: () => unknown, runs: number): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = process.cpuUsage();
    fn();
    const d = process.cpuUsage(s);
    t.push((d.user + d.system) / 1e6);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

function adversarial() {
  const runs = Number(cliArg(args, 'runs', '5'));
  const shapes = args.includes('--shapes') ? cliArg(args, 'shapes', '').split('|') : SHAPES;
  const slow = RECOGNIZERS.map((r) => r.type);
  process.stdout.write(`CPU s per 1 MB text, median of ${runs}, load average ${os.loadavg()[0]!.toFixed(1)}\n\n| shape | all | ${slow.join(' | ')} |\n| --- |${' ---: |'.repeat(slow.length + 1)}\n`);
  for (const shape of shapes) {
    const text = shape.repeat(Math.ceil(2 ** 20 / shape.length)).slice(0, 2 ** 20);
    const each = RECOGNIZERS.map((r) => cpuSeconds(() => r.find(text), runs));
    const all = cpuSeconds(() => runRecognizers(text), runs);
    process.stdout.write(`| ${JSON.stringify(shape)} | ${all.toFixed(2)} | ${each.map((x) => x.toFixed(2)).join(' | ')} |\n`);
  }
}

if (args.includes('--adversarial')) adversarial();
else await main();
