// Per-member probabilities of the domain pack's two ensemble members (14-label AdaGrad, 71 fine labels
// by L-BFGS summed back), trained exactly as `npm run train -- domain` does, on
//   dev  : all train rows -> scored on the dev split (checks the pack's 0.8419),
//   calN : 5-fold cross-validation fold N (0..4) of the TRAIN split (salt semroute-cv-v1) -> scored on the held-out fold.
// Writes /tmp/d1/<mode>-m<i>.f32 ([rows, 14], shipped int8 tables). Experiment only.
//   nice -n 10 npx tsx models/train/_dom-members-exp.ts dev|cal0..cal4
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadTask, split, heldOutMask, fineLabel, type Row } from './data.ts';
import { computeIdf, applyTfidf, pickRows, type Csr } from './features.ts';
import { train, predictAll, type TrainedModel } from './trainer.ts';
import { lbfgs } from './lbfgs.ts';
import { quantizeTable, dequantize } from './graphs.ts';
import { classificationReport } from './metrics.ts';
import { PACKS } from './packs.ts';
import { cachedCorpus } from './_lin-lib.ts';

const spec = PACKS.domain!;
const mode = process.argv[2] ?? 'dev';
const { train: tr0, dev } = split('domain', loadTask('domain'));
const C = spec.labels.length, V = spec.featurizer.buckets;
const Xall = cachedCorpus(tr0.map((r) => r.text), spec.featurizer, spec.maxLength);
let tr: Row[], ev: Row[], Xtr0: Csr, Xev0: Csr;
if (mode === 'dev') (tr = tr0), (ev = dev), (Xtr0 = Xall), (Xev0 = cachedCorpus(dev.map((r) => r.text), spec.featurizer, spec.maxLength));
else {
  const f = Number(mode.slice(3));
  const lo = heldOutMask('domain', tr0, 'semroute-cv-v1', 20 * f), hi = heldOutMask('domain', tr0, 'semroute-cv-v1', 20 * (f + 1));
  const held = hi.map((h, i) => h && !lo[i]);
  tr = tr0.filter((_, i) => !held[i]), ev = tr0.filter((_, i) => held[i]);
  Xtr0 = pickRows(Xall, held.map((h) => !h)), Xev0 = pickRows(Xall, held);
}
const idf = computeIdf(Xtr0, V, spec.idfPower);
const Xtr = applyTfidf(Xtr0, idf), Xev = applyTfidf(Xev0, idf);
const ytr = Int32Array.from(tr, (r) => spec.labels.indexOf(r.label));
const modRows = (X: Csr, rows: number): Csr => ({ ...X, idx: X.idx.map((v) => v % rows) });
mkdirSync('/tmp/d1', { recursive: true });
const Pens = new Float32Array(ev.length * C);
spec.ensemble!.forEach((e, i) => {
  const fine = e.fine ? [...new Set(tr.map(fineLabel))].sort() : spec.labels;
  const y = e.fine ? Int32Array.from(tr, (r) => fine.indexOf(fineLabel(r))) : ytr;
  const K = fine.length;
  const coarseOf = e.fine ? fine.map((f) => spec.labels.indexOf(f.slice(0, f.indexOf('|')))) : spec.labels.map((_, c) => c);
  let m: TrainedModel;
  if ((e.optimizer ?? spec.optimizer) === 'lbfgs') {
    const counts = new Float64Array(K);
    y.forEach((c) => (counts[c] += 1));
    const w = Float64Array.from(y, (c) => (tr.length / (K * counts[c])) ** spec.balance);
    const r = lbfgs(modRows(Xtr, e.rows), y, w, { V: e.rows, K, l2: spec.l2, iters: e.iters ?? spec.iters ?? 300 });
    m = { dim: K, table: r.table, bias: r.bias };
  } else m = train(modRows(Xtr, e.rows), y, { buckets: e.rows, classes: K, epochs: spec.epochs, lr: spec.lr, l2: spec.l2, balance: spec.balance, seed: spec.seed }, `member ${i}`, new Float32Array(tr.length).fill(1));
  const shipped: TrainedModel = { ...m, table: dequantize(quantizeTable(m.table, e.rows, K, 'int8col'), e.rows, K) };
  const Pm = predictAll(shipped, modRows(Xev, e.rows), K);
  const P = new Float32Array(ev.length * C);
  for (let r = 0; r < ev.length; r++) for (let k = 0; k < K; k++) P[r * C + coarseOf[k]!] += Pm[r * K + k]!;
  writeFileSync(`/tmp/d1/${mode}-m${i}.f32`, Buffer.from(P.buffer));
  if (e.fine) writeFileSync(`/tmp/d1/${mode}-m${i}-fine.f32`, Buffer.from(Pm.buffer)), writeFileSync(`/tmp/d1/${mode}-m${i}-fine.json`, JSON.stringify(fine));
  for (let q = 0; q < P.length; q++) Pens[q] += P[q]! / spec.ensemble!.length;
  const acc = (Q: Float32Array) => classificationReport(spec.labels, ev.map((r) => spec.labels.indexOf(r.label)), ev.map((_, r) => { let b = 0; for (let k = 1; k < C; k++) if (Q[r * C + k]! > Q[r * C + b]!) b = k; return b; })).accuracy;
  console.log(mode, `member ${i}`, 'acc', acc(P).toFixed(4), 'ensemble so far', acc(Pens).toFixed(4));
});
writeFileSync(`/tmp/d1/${mode}-gold.json`, JSON.stringify(ev.map((r) => [spec.labels.indexOf(r.label), r.source, r.text.length])));
