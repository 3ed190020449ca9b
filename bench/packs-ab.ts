// A/B of two model folders' graphs: each pack's session.run on the bench request, old and new
// sessions in one process, interleaved blocks (order alternating), one intra-op thread. Paired blocks
// make a change of a few percent visible on a noisy shared machine where back-to-back runs of
// bench/classifiers.ts are not. Featurizer output is taken from each folder's own pack. With --fused
// the listed packs' graphs are merged into one session per folder (as src/classify/fused.ts does) and
// that one run is timed: what a request asking all of them pays.
//   taskset -c 0 npx tsx bench/packs-ab.ts OLD_MODELS_DIR [NEW_MODELS_DIR=models] [--blocks 24] [--runs 200]
//     [--packs domain,jailbreak,intent,embedding] [--fused domain,jailbreak,pii,embedding]
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { createFileSource } from '../runtimes/node/file-source.ts';
import { createNodeEngine } from '../runtimes/node/ort-engine.ts';
import { loadPack } from '../src/classify/pack-loader.ts';
import { mergeOnnxModels, type MergePart } from '../src/classify/onnx-merge.ts';
import { cliArg, REQUEST } from './timing.ts';
const opts = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
const args = process.argv.slice(2);
const pos = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!pos[0]) throw new Error('usage: bench/packs-ab.ts OLD_MODELS_DIR [NEW_MODELS_DIR]');
const dirs = { old: pos[0], new: pos[1] ?? 'models' };
const BLOCKS = Number(cliArg(args, 'blocks', '24'));
const RUNS = Number(cliArg(args, 'runs', '200'));
const FUSED = cliArg(args, 'fused', '');
const PACKS = cliArg(args, 'packs', 'domain,jailbreak,intent,embedding').split(',');
const feedsOf = async (dir: string, name: string, prefix = '') => {
  const pack = await loadPack(createFileSource(dir), name, createNodeEngine('cpu'));
  return Object.fromEntries(Object.entries(pack.featurizer.encode(REQUEST).feeds).map(([n, t]: any) => [prefix + n, new ort.Tensor(t.type, t.data, t.dims)]));
};
/** One session over the listed packs' merged graphs, fed each pack's features. */
async function fusedSession(dir: string, names: string[]) {
  const parts: MergePart[] = [];
  let f: Record<string, ort.Tensor> = {};
  for (const [i, name] of names.entries()) {
    const m = JSON.parse(readFileSync(`${dir}/${name}/manifest.json`, 'utf8')) as { inputs: string[]; output: string };
    parts.push({ model: readFileSync(`${dir}/${name}/model.onnx`), prefix: `p${i}/`, inputs: Object.fromEntries(m.inputs.map((n) => [n, `in${i}/${n}`])), outputs: { [m.output]: `out${i}` } });
    f = { ...f, ...(await feedsOf(dir, name, `in${i}/`)) };
  }
  return { s: await ort.InferenceSession.create(mergeOnnxModels(parts), opts), f };
}
const res: Record<string, Record<string, number[]>> = {};
// CPU time per run next to the wall clock: on a shared box the wall clock also counts the time other
// processes held the core.
const cpu: Record<string, number[]> = {};
for (const name of FUSED ? [FUSED] : PACKS) {
  const s: Record<string, { s: ort.InferenceSession; f: Record<string, ort.Tensor> }> = {};
  for (const [k, d] of Object.entries(dirs)) {
    s[k] = FUSED ? await fusedSession(d, FUSED.split(',')) : { s: await ort.InferenceSession.create(readFileSync(`${d}/${name}/model.onnx`), opts), f: await feedsOf(d, name) };
  }
  res[name] = { old: [], new: [] };
  cpu.old = [];
  cpu.new = [];
  for (const k of ['old', 'new']) for (let i = 0; i < 300; i++) await s[k]!.s.run(s[k]!.f);
  for (let b = 0; b < BLOCKS; b++) for (const k of (b % 2 ? ['old', 'new'] : ['new', 'old'])) {
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) await s[k]!.s.run(s[k]!.f);
    res[name]![k]!.push(Number(process.hrtime.bigint() - t0) / (RUNS * 1e3));
    const c = process.cpuUsage(c0);
    cpu[k]!.push((c.user + c.system) / RUNS);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  const wins = res[name]!.new!.filter((v, i) => v < res[name]!.old![i]!).length;
  const cpuWins = cpu.new!.filter((v, i) => v < cpu.old![i]!).length;
  console.log(`${(FUSED ? `fused ${name}` : name).padEnd(10)} session.run median of ${BLOCKS} interleaved blocks: old ${med(res[name]!.old!).toFixed(1)} us, new ${med(res[name]!.new!).toFixed(1)} us (new faster in ${wins}/${BLOCKS} paired blocks); CPU per run old ${med(cpu.old!).toFixed(1)} us, new ${med(cpu.new!).toFixed(1)} us (${cpuWins}/${BLOCKS})`);
}
