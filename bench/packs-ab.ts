// A/B of two model folders' graphs: each pack's session.run on the bench request, old and new
// sessions in one process, interleaved blocks (order alternating), one intra-op thread. Paired blocks
// make a change of a few percent visible on a noisy shared machine where back-to-back runs of
// bench/classifiers.ts are not. Featurizer output is taken from each folder's own pack.
//   taskset -c 0 npx tsx bench/packs-ab.ts OLD_MODELS_DIR [NEW_MODELS_DIR=models] [--blocks 24] [--runs 200]
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { createFileSource } from '../runtimes/node/file-source.ts';
import { createNodeEngine } from '../runtimes/node/ort-engine.ts';
import { loadPack } from '../src/classify/pack-loader.ts';
import { cliArg, REQUEST } from './timing.ts';
const opts = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
const args = process.argv.slice(2);
const pos = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!pos[0]) throw new Error('usage: bench/packs-ab.ts OLD_MODELS_DIR [NEW_MODELS_DIR]');
const dirs = { old: pos[0], new: pos[1] ?? 'models' };
const BLOCKS = Number(cliArg(args, 'blocks', '24'));
const RUNS = Number(cliArg(args, 'runs', '200'));
const res: Record<string, Record<string, number[]>> = {};
for (const name of ['domain', 'jailbreak', 'intent', 'embedding']) {
  const s: Record<string, { s: ort.InferenceSession; f: Record<string, ort.Tensor> }> = {};
  for (const [k, d] of Object.entries(dirs)) {
    const pack = await loadPack(createFileSource(d), name, createNodeEngine('cpu'));
    const f = Object.fromEntries(Object.entries(pack.featurizer.encode(REQUEST).feeds).map(([n, t]: any) => [n, new ort.Tensor(t.type, t.data, t.dims)]));
    s[k] = { s: await ort.InferenceSession.create(readFileSync(`${d}/${name}/model.onnx`), opts), f };
  }
  res[name] = { old: [], new: [] };
  for (const k of ['old', 'new']) for (let i = 0; i < 300; i++) await s[k]!.s.run(s[k]!.f);
  for (let b = 0; b < BLOCKS; b++) for (const k of (b % 2 ? ['old', 'new'] : ['new', 'old'])) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < RUNS; i++) await s[k]!.s.run(s[k]!.f);
    res[name]![k]!.push(Number(process.hrtime.bigint() - t0) / (RUNS * 1e3));
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  const wins = res[name]!.new!.filter((v, i) => v < res[name]!.old![i]!).length;
  console.log(`${name.padEnd(10)} session.run median of ${BLOCKS} interleaved blocks: old ${med(res[name]!.old!).toFixed(1)} us, new ${med(res[name]!.new!).toFixed(1)} us (new faster in ${wins}/${BLOCKS} paired blocks)`);
}
