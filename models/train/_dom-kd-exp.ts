// Distilling the Universal Sentence Encoder lite teacher into the domain pack's 14-label member
// (same features, table, graph and size): the member's per-example AdaGrad (trainer.ts, linear path,
// same seed / order / class weights) with soft targets (1 - beta) * onehot + beta * q, where q is a
// linear softmax on the teacher's 512-d vectors, cross-fitted (5 folds, salt semroute-cv-v1) so a row's
// q never saw its own label. Rows without a cached teacher vector keep the hard target.
//   cal : member trained on CV folds 1-4, scored on fold 0 (choice), with the fold-0 fine member
//   dev : member trained on the train split, scored on dev with the pack's fine member
// Needs /tmp/d1 from _dom-members-exp.ts cal0 and _dom-packprobs.ts; teacher cache from _dom-teacher.ts.
//   nice -n 10 npx tsx models/train/_dom-kd-exp.ts cal|dev 0,0.3,0.6
import { readFileSync } from 'node:fs';
import { loadTask, split, heldOutMask, shuffleInPlace, type Row } from './data.ts';
import { computeIdf, applyTfidf, pickRows, type Csr } from './features.ts';
import { lbfgs } from './lbfgs.ts';
import { rng } from './rng.ts';
import { quantizeTable, dequantize } from './graphs.ts';
import { predictAll } from './trainer.ts';
import { PACKS } from './packs.ts';
import { cachedCorpus } from './_lin-lib.ts';
import { teacherCache, teacherOf } from './_dom-teacher.ts';

const spec = PACKS.domain!;
const mode = process.argv[2] ?? 'cal';
const betas = (process.argv[3] ?? '0,0.3,0.6').split(',').map(Number);
const C = spec.labels.length, V = spec.featurizer.buckets, Dm = 512;
const { train: tr0, dev } = split('domain', loadTask('domain'));
const foldOf = new Int32Array(tr0.length);
for (let f = 0; f < 5; f++) {
  const lo = heldOutMask('domain', tr0, 'semroute-cv-v1', 20 * f), hi = heldOutMask('domain', tr0, 'semroute-cv-v1', 20 * (f + 1));
  hi.forEach((h, i) => { if (h && !lo[i]) foldOf[i] = f; });
}
const Xall = cachedCorpus(tr0.map((r) => r.text), spec.featurizer, spec.maxLength);
const inTrain = tr0.map((_, i) => mode === 'dev' || foldOf[i] !== 0);
const tr = tr0.filter((_, i) => inTrain[i]), trFold = Array.from(foldOf).filter((_, i) => inTrain[i]);
const ev = mode === 'dev' ? dev : tr0.filter((_, i) => !inTrain[i]);
const Xtr0 = pickRows(Xall, inTrain), Xev0 = mode === 'dev' ? cachedCorpus(dev.map((r) => r.text), spec.featurizer, spec.maxLength) : pickRows(Xall, inTrain.map((x) => !x));
const idf = computeIdf(Xtr0, V, spec.idfPower);
const Xtr = applyTfidf(Xtr0, idf), Xev = applyTfidf(Xev0, idf);
const y = Int32Array.from(tr, (r) => spec.labels.indexOf(r.label));
const f32 = (p: string) => { const b = readFileSync(p); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)); };
const P1 = f32(mode === 'dev' ? '/tmp/d1/dev-m1.f32' : '/tmp/d1/cal0-m1.f32');

// cross-fitted teacher probabilities q [tr, C] over the rows with a vector
const cache = teacherCache();
const has = tr.map((r) => !!teacherOf(cache, r.text));
const q = new Float32Array(tr.length * C);
const folds = [...new Set(trFold)].sort();
for (const f of folds) {
  const fitIx = tr.map((_, i) => i).filter((i) => has[i] && trFold[i] !== f), predIx = tr.map((_, i) => i).filter((i) => has[i] && trFold[i] === f);
  const mu = new Float64Array(Dm);
  for (const i of fitIx) { const v = teacherOf(cache, tr[i]!.text)!; for (let j = 0; j < Dm; j++) mu[j] += v[j]! / fitIx.length; }
  let s2 = 0;
  for (const i of fitIx) { const v = teacherOf(cache, tr[i]!.text)!; for (let j = 0; j < Dm; j++) s2 += (v[j]! - mu[j]!) ** 2; }
  const sd = Math.sqrt(s2 / (fitIx.length * Dm));
  const dense = (ix: number[]): Csr => ({ rows: ix.length, ptr: Int32Array.from({ length: ix.length + 1 }, (_, r) => r * Dm), idx: new Int32Array(ix.length * Dm).map((_, k) => k % Dm), val: Float32Array.from({ length: ix.length * Dm }, (_, k) => (teacherOf(cache, tr[ix[Math.floor(k / Dm)]!]!.text)![k % Dm]! - mu[k % Dm]!) / sd) });
  const yy = Int32Array.from(fitIx, (i) => y[i]!);
  const cnt = new Float64Array(C);
  yy.forEach((c) => cnt[c]++);
  const m = lbfgs(dense(fitIx), yy, Float64Array.from(yy, (c) => fitIx.length / (C * cnt[c]!)), { V: Dm, K: C, l2: 0.01, iters: 300 });
  const P = predictAll({ dim: C, table: m.table, bias: m.bias }, dense(predIx), C);
  predIx.forEach((i, j) => q.set(P.subarray(j * C, j * C + C), i * C));
}
let okq = 0, nq = 0;
tr.forEach((_, i) => { if (!has[i]) return; nq++; let b = 0; for (let k = 1; k < C; k++) if (q[i * C + k]! > q[i * C + b]!) b = k; if (b === y[i]) okq++; });
console.log(mode, `teacher cross-fitted accuracy on ${nq} of ${tr.length} training rows: ${(okq / nq).toFixed(4)}`);

function member(beta: number) {
  // trainer.ts train(), linear path, with soft targets
  const rand = rng(spec.seed);
  const table = new Float32Array(V * C), gT = new Float32Array(V * C), bias = new Float32Array(C), gB = new Float32Array(C);
  const counts = new Float64Array(C);
  y.forEach((c) => counts[c]++);
  const cw = Array.from(counts, (n) => (n ? (tr.length / (C * n)) ** spec.balance : 0));
  const order = Int32Array.from({ length: Xtr.rows }, (_, i) => i);
  const p = new Float32Array(C);
  for (let ep = 0; ep < spec.epochs; ep++) {
    shuffleInPlace(order, rand);
    for (let n = 0; n < order.length; n++) {
      const r = order[n]!;
      p.set(bias);
      for (let k = Xtr.ptr[r]!; k < Xtr.ptr[r + 1]!; k++) { const x = Xtr.val[k]!, o = Xtr.idx[k]! * C; for (let c = 0; c < C; c++) p[c] += x * table[o + c]!; }
      let mx = -Infinity, s = 0;
      for (let c = 0; c < C; c++) mx = Math.max(mx, p[c]!);
      for (let c = 0; c < C; c++) s += p[c] = Math.exp(p[c]! - mx);
      for (let c = 0; c < C; c++) p[c] /= s;
      const wgt = cw[y[r]!]!, b = has[r] ? beta : 0;
      for (let c = 0; c < C; c++) p[c] = wgt * (p[c]! - (1 - b) * (c === y[r] ? 1 : 0) - b * q[r * C + c]!);
      for (let c = 0; c < C; c++) { gB[c] += p[c]! * p[c]!; bias[c] -= (spec.lr * p[c]!) / Math.sqrt(gB[c]! + 1e-8); }
      for (let k = Xtr.ptr[r]!; k < Xtr.ptr[r + 1]!; k++) {
        const x = Xtr.val[k]!, o = Xtr.idx[k]! * C;
        for (let c = 0; c < C; c++) {
          const g = x * p[c]! + spec.l2 * table[o + c]!;
          if (g === 0) continue;
          gT[o + c] += g * g;
          table[o + c] -= (spec.lr * g) / Math.sqrt(gT[o + c]! + 1e-8);
        }
      }
    }
  }
  return predictAll({ dim: C, table: dequantize(quantizeTable(table, V, C, 'int8col'), V, C), bias }, Xev, C);
}
const gold = ev.map((r: Row) => spec.labels.indexOf(r.label));
const acc = (P: Float32Array) => gold.filter((g, r) => { let b = 0; for (let k = 1; k < C; k++) if (P[r * C + k]! > P[r * C + b]!) b = k; return b === g; }).length / gold.length;
for (const beta of betas) {
  const P0 = member(beta);
  console.log(mode, `beta ${beta}: member alone ${acc(P0).toFixed(4)}, ensemble with the fine member ${acc(P0.map((v, k) => (v + P1[k]!) / 2)).toFixed(4)}`);
}
