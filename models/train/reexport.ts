// Rebuilds a pack's model.onnx with the current graph code (the builder its trainer calls) from the
// weights already in it, when only the graph's form changed: `npm run train -- <pack>` would give the
// same result but takes long (embedding: the teacher's 20-min encode; domain: ~10 min of a quiet core).
// The weights are read back (int8 tables dequantized: quantizing them again gives the same bytes) and
// every initializer the old and the new graph share is checked byte for byte, so the new model holds
// exactly the old weights. Then both graphs run on the pack's dev texts: the largest output difference
// and how many argmax labels changed (embedding: CLINC dev pairs, AUC and the vSR cache cases). The model
// is written only with --write.
//   npx tsx models/train/reexport.ts <embedding | domain | pii> [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from './onnx-builder.ts';
import { dequantize } from './graphs.ts';
import { buildEmbeddingGraph, type EmbeddingGraphWeights } from './embedding-graph.ts';
import { buildEnsembleGraph, type EnsembleMember } from './ensemble-graph.ts';
import { buildPiiGraph } from './pii/graph.ts';
import { loadPiiRows, splitPii } from './pii/data.ts';
import { openPack } from './ort-check.ts';
import { loadTask, REPO_ROOT, split } from './data.ts';
import { embeddingSplits, pairStats, cacheMatrix, cos } from './train-embedding.ts';
import { createFileSource } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { loadPack } from '../../src/classify/pack-loader.ts';
import type { PackManifest } from '../../src/classify/types.ts';

const name = process.argv[2] ?? '';
const REBUILD: Record<string, () => Uint8Array> = { embedding: embeddingGraph, domain: domainGraph, pii: piiGraph };
if (!REBUILD[name]) throw new Error(`usage: npx tsx models/train/reexport.ts <${Object.keys(REBUILD).join(' | ')}> [--write]`);
const dir = join(REPO_ROOT, 'models', name);
const oldBytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as PackManifest;
const model = onnx.ModelProto.decode(oldBytes);
const inits = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
const meta = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key!, p.value!]));
const f32 = (n: string) => {
  const raw = inits.get(n)?.rawData;
  if (!raw) throw new Error(`model.onnx has no float initializer ${n}`);
  return new Float32Array(raw.slice().buffer);
};
const i8 = (n: string) => new Int8Array(inits.get(n)!.rawData!.slice().buffer);
const dims = (n: string) => inits.get(n)!.dims!.map(Number);
const dimOf = (io: 'input' | 'output', n: string, i: number) => Number(model.graph![io]!.find((v) => v.name === n)!.type!.tensorType!.shape!.dim![i]!.dimValue);
const inDim = (n: string, i: number) => dimOf('input', n, i), outDim = (n: string, i: number) => dimOf('output', n, i);

function embeddingGraph(): Uint8Array {
  const [lexRows, lexDim] = dims('lex_table') as [number, number];
  const [wvBuckets, wvDim] = dims('wv_table') as [number, number];
  // The share is stored as sqrt(wg); the manifest names the wg the trainer chose.
  const wg = Number(/share ([0-9.]+)/.exec(String((manifest.training as Record<string, unknown>)?.word_vectors))?.[1]);
  if (!(wg > 0 && wg < 1) || Math.fround(Math.sqrt(wg)) !== f32('wv_share')[0]) throw new Error(`word-vector share ${wg} does not give the model's wv_share`);
  const w: EmbeddingGraphWeights = {
    buckets: dims('idf')[0]!,
    idf: f32('idf'),
    lex: dequantize({ q: i8('lex_table'), half: null, scale: null, colScale: f32('lex_scale') }, lexRows, lexDim),
    lexRows,
    lexDim,
    wv: dequantize({ q: i8('wv_table'), half: null, scale: null, colScale: f32('wv_scale') }, wvBuckets, wvDim),
    wvBuckets,
    wvDim,
    wg,
    student: inits.has('lex_w2') ? { b1: f32('lex_b1'), w2: f32('lex_w2') } : undefined,
  };
  return buildEmbeddingGraph(w, meta);
}

/** train-classifier.ts trainEnsemble's members: m{i}_table int8, per-column (m{i}_cs) or per-row (m{i}_scale) scales. */
function domainGraph(): Uint8Array {
  const members: EnsembleMember[] = [];
  for (let i = 0; inits.has(`m${i}_table`); i++) {
    const [rows, classes] = dims(`m${i}_table`) as [number, number];
    const col = inits.has(`m${i}_cs`);
    const qt = { q: i8(`m${i}_table`), half: null, scale: col ? null : f32(`m${i}_scale`), colScale: col ? f32(`m${i}_cs`) : undefined };
    members.push({ rows, classes, table: dequantize(qt, rows, classes), bias: f32(`m${i}_b`), marginal: inits.has(`m${i}_marg`) ? f32(`m${i}_marg`) : undefined });
  }
  const quant = inits.has('m0_cs') ? 'int8col' : 'int8';
  return buildEnsembleGraph(dims('idf')[0]!, f32('idf'), outDim('probs', 1), members, meta, quant);
}

/** pii/index.ts's net (no word-vector path in the committed pack: refused if there is one). */
function piiGraph(): Uint8Array {
  if (inits.has('wv_table')) throw new Error('the PII pack has a word-vector path: its reduced table is not read back here');
  const [V, D] = dims('table') as [number, number];
  const [G, L] = dims('wo') as [number, number];
  const E = dequantize({ q: i8('table'), half: null, scale: null, colScale: f32('col_scale') }, V, D);
  const K = inDim('feature_ids', 2);
  return buildPiiGraph({ buckets: V, dim: D, ctx: G, labels: L, E, b1: f32('b1'), Wc: f32('wc'), bc: f32('bc'), Wo: f32('wo'), bo: f32('bo') }, K, meta);
}

const newBytes = REBUILD[name]!();
const rebuilt = new Map(onnx.ModelProto.decode(newBytes).graph!.initializer!.map((t) => [t.name!, t]));
for (const [n, t] of inits) {
  const r = rebuilt.get(n);
  if (!r) continue; // a constant of the old graph form
  const a = onnx.TensorProto.encode(t).finish(), b = onnx.TensorProto.encode(r).finish();
  if (a.length !== b.length || a.some((v, i) => v !== b[i])) throw new Error(`initializer ${n} differs after the round trip`);
}
const same = oldBytes.length === newBytes.length && oldBytes.every((v, i) => v === newBytes[i]);
console.log(`weights: ${[...inits.keys()].filter((k) => rebuilt.has(k)).length} initializers byte-identical; model ${oldBytes.length} -> ${newBytes.length} bytes${same ? ', the same bytes (nothing to re-export)' : ''}`);

if (name === 'embedding') await compareEmbedding();
else await compareOutputs();
if (process.argv.includes('--write')) {
  writeFileSync(join(dir, 'model.onnx'), newBytes);
  console.log(`wrote ${join(dir, 'model.onnx')}`);
}

/** Both graphs on the pack's dev texts, fed by the pack's own featurizer: max |d output|, argmax changes. */
async function compareOutputs(): Promise<void> {
  const pack = await loadPack(createFileSource(join(REPO_ROOT, 'models')), name, createNodeEngine('cpu'));
  const open = (b: Uint8Array) => ort.InferenceSession.create(b, { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] });
  const [before, after] = [await open(oldBytes), await open(newBytes)];
  const texts = name === 'pii' ? splitPii(loadPiiRows()).dev.map((r) => r.text) : split('domain', loadTask('domain')).dev.map((r) => r.text);
  const C = pack.labels.length;
  let maxD = 0, argmaxChanged = 0, positions = 0;
  for (const text of texts) {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(pack.featurizer.encode(text).feeds)) feeds[k] = new ort.Tensor(t.type, t.data as never, t.dims as number[]);
    const a = (await before.run(feeds))[pack.manifest.output]!.data as Float32Array;
    const b = (await after.run(feeds))[pack.manifest.output]!.data as Float32Array;
    for (let i = 0; i < a.length; i++) maxD = Math.max(maxD, Math.abs(a[i]! - b[i]!));
    for (let o = 0; o < a.length; o += C, positions++) {
      const arg = (x: Float32Array) => { let k = o; for (let j = o; j < o + C; j++) if (x[j]! > x[k]!) k = j; return k; };
      if (arg(a) !== arg(b)) argmaxChanged++;
    }
  }
  console.log(`${texts.length} dev texts (${positions} ${name === 'pii' ? 'tokens' : 'rows'}): max |d ${pack.manifest.output}| ${maxD.toExponential(2)}, argmax changed at ${argmaxChanged}`);
  await Promise.all([before.release(), after.release(), pack.session.release?.()]);
}

async function compareEmbedding(): Promise<void> {
  const before = await openPack(oldBytes, manifest);
  const after = await openPack(newBytes, manifest);
  const embed = async (texts: string[]) => {
    const a: Float32Array[] = [], b: Float32Array[] = [];
    let dv = 0;
    for (const t of texts) {
      const x = (await before.run(t)).out.slice(), y = (await after.run(t)).out.slice();
      for (let d = 0; d < x.length; d++) dv = Math.max(dv, Math.abs(x[d]! - y[d]!));
      a.push(x);
      b.push(y);
    }
    let dcos = 0;
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) dcos = Math.max(dcos, Math.abs(cos(a[i]!, a[j]!) - cos(b[i]!, b[j]!)));
    return { a, b, dv, dcos };
  };
  const { clinc, groups } = embeddingSplits();
  const c = await embed(clinc.map((r) => r.text));
  const sa = pairStats(c.a, groups), sb = pairStats(c.b, groups);
  console.log(`CLINC dev pairs (${clinc.length} texts, ${sa.nSame + sa.nDiff} pairs): max |dv| ${c.dv.toExponential(2)}, max |dcos| ${c.dcos.toExponential(2)}; AUC ${sa.auc.toFixed(6)} -> ${sb.auc.toFixed(6)}, same / diff >= threshold ${(100 * sa.sameAtT).toFixed(2)}% / ${(100 * sa.diffAtT).toFixed(3)}% -> ${(100 * sb.sameAtT).toFixed(2)}% / ${(100 * sb.diffAtT).toFixed(3)}%`);
  const ca = await cacheMatrix(before.run), cb = await cacheMatrix(after.run);
  if (ca && cb) {
    const dcos = Math.max(...ca.matrix.flatMap((row, i) => row.map((v, j) => Math.abs(v - cb.matrix[i]![j]!))));
    console.log(`vSR cache cases (${ca.texts.length} texts): max |dcos| ${dcos.toExponential(2)}; paraphrases >= threshold ${ca.paraAbove} -> ${cb.paraAbove} of ${ca.paraTotal} (min ${ca.paraMin.toFixed(6)} -> ${cb.paraMin.toFixed(6)}), cross-set max ${ca.crossMax.toFixed(6)} -> ${cb.crossMax.toFixed(6)}`);
  }
  await before.session.release();
  await after.session.release();
}
