// Rebuilds models/embedding/model.onnx with the current graph code (embedding-graph.ts) from the weights
// already in it, when only the graph's form changed: `npm run train -- embedding` would give the same
// result but needs the teacher's vectors (about 20 min of one core without the OS temp dir's cache).
// The weights are read back (int8 tables dequantized: quantizing them again gives the same bytes) and
// every initializer the old and the new graph share is checked byte for byte, so the new model holds
// exactly the old weights. Then both graphs embed the CLINC dev rows the card's selection is scored on
// and the vSR cache cases; it prints the largest vector and cosine differences and both AUCs, and
// writes the model only with --write.
//   npx tsx models/train/embedding-reexport.ts [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from './onnx-builder.ts';
import { dequantize } from './graphs.ts';
import { buildEmbeddingGraph, type EmbeddingGraphWeights } from './embedding-graph.ts';
import { openPack } from './ort-check.ts';
import { REPO_ROOT } from './data.ts';
import { embeddingSplits, pairStats, cacheMatrix, cos } from './train-embedding.ts';
import type { PackManifest } from '../../src/classify/types.ts';

const dir = join(REPO_ROOT, 'models', 'embedding');
const oldBytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as PackManifest;
const model = onnx.ModelProto.decode(oldBytes);
const inits = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
const f32 = (name: string) => {
  const raw = inits.get(name)?.rawData;
  if (!raw) throw new Error(`model.onnx has no float initializer ${name}`);
  return new Float32Array(raw.slice().buffer);
};
const i8 = (name: string) => new Int8Array(inits.get(name)!.rawData!.slice().buffer);
const dims = (name: string) => inits.get(name)!.dims!.map(Number);

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
const meta = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key!, p.value!]));
const newBytes = buildEmbeddingGraph(w, meta);
const rebuilt = new Map(onnx.ModelProto.decode(newBytes).graph!.initializer!.map((t) => [t.name!, t]));
for (const [name, t] of inits) {
  const n = rebuilt.get(name);
  if (!n) continue; // a constant of the old graph form
  const a = onnx.TensorProto.encode(t).finish(), b = onnx.TensorProto.encode(n).finish();
  if (a.length !== b.length || a.some((v, i) => v !== b[i])) throw new Error(`initializer ${name} differs after the round trip`);
}
const same = oldBytes.length === newBytes.length && oldBytes.every((v, i) => v === newBytes[i]);
console.log(`weights: ${[...inits.keys()].filter((k) => rebuilt.has(k)).length} initializers byte-identical; model ${oldBytes.length} -> ${newBytes.length} bytes${same ? ', the same bytes (nothing to re-export)' : ''}`);

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
if (process.argv.includes('--write')) {
  writeFileSync(join(dir, 'model.onnx'), newBytes);
  console.log(`wrote ${join(dir, 'model.onnx')}`);
}
