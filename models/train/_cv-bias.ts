// Per-class log-bias chosen by 5-fold cross-validation on the TRAIN split only (the dev split is
// then scored once with and without it). Not part of `npm run train`.
//   npx tsx models/train/_cv-bias.ts <task> '<json configs: {seed, balance, lr, epochs, sw}>'
import { loadTask, split, heldOutMask, type Task, type Row } from './data.ts';
import { computeIdf, applyTfidf, type Csr } from './features.ts';
import { classificationReport } from './metrics.ts';
import { quantizeTable, dequantize } from './graphs.ts';
import { PACKS } from './packs.ts';
import { cachedCorpus, adagradR, predict } from './_lin-lib.ts';

const task = process.argv[2] as Task;
const spec = PACKS[task];
const { train: tr, dev } = split(task, loadTask(task));
const labels = spec.labels, C = labels.length, V = spec.featurizer.buckets;
const Xtr0 = cachedCorpus(tr.map((r) => r.text), spec.featurizer, 4096);
const Xdv0 = cachedCorpus(dev.map((r) => r.text), spec.featurizer, 4096);
const pick = (X: Csr, keep: boolean[]): Csr => {
  const ptr = [0], idx: number[] = [], val: number[] = [];
  for (let r = 0; r < X.rows; r++) if (keep[r]) { for (let k = X.ptr[r]; k < X.ptr[r + 1]; k++) idx.push(X.idx[k]), val.push(X.val[k]); ptr.push(idx.length); }
  return { rows: ptr.length - 1, ptr: Int32Array.from(ptr), idx: Int32Array.from(idx), val: Float32Array.from(val) };
};
function fit(c: Record<string, any>, rows: Row[], X0: Csr, evalX0: Csr[]): Float32Array[] {
  const idf = computeIdf(X0, V, spec.idfPower);
  const y = Int32Array.from(rows, (r) => labels.indexOf(r.label));
  const sw = Float64Array.from(rows, (r) => { let w = 1; for (const [k, v] of Object.entries(c.sw ?? spec.sampleWeights ?? {})) if (r.source.startsWith(k)) w *= v as number; return w; });
  const cnt = new Float64Array(C);
  y.forEach((v, i) => (cnt[v] += sw[i]));
  const tot = cnt.reduce((a, b) => a + b, 0);
  const w = Float64Array.from(sw, (s, i) => s * (tot / (C * cnt[y[i]])) ** (c.balance ?? spec.balance));
  const m = adagradR(applyTfidf(X0, idf), y, w, { V, K: C, epochs: c.epochs ?? spec.epochs, lr: c.lr ?? spec.lr, l2: spec.l2, seed: c.seed ?? 7 });
  const t = dequantize(quantizeTable(m.table, V, C, 'int8'), V, C);
  return evalX0.map((X) => predict(applyTfidf(X, idf), t, m.bias, C));
}
const argmaxB = (P: Float32Array, i: number, b: number[]) => { let best = 0, bv = -Infinity; for (let k = 0; k < C; k++) { const v = Math.log(Math.max(P[i * C + k], 1e-12)) + b[k]; if (v > bv) (bv = v), (best = k); } return best; };
const score = (P: Float32Array, gold: number[], b: number[]) => classificationReport(labels, gold, gold.map((_, i) => argmaxB(P, i, b)));
for (const c of JSON.parse(process.argv[3] ?? '[{}]')) {
  const t0 = Date.now();
  const folds = c.folds ?? 5;
  const oof = new Float32Array(tr.length * C);
  for (let f = 0; f < folds; f++) {
    const lo = heldOutMask(task, tr, 'semroute-cv-v1', Math.round((100 * f) / folds)), hi = heldOutMask(task, tr, 'semroute-cv-v1', Math.round((100 * (f + 1)) / folds));
    const held = hi.map((h, i) => h && !lo[i]);
    const [Ph] = fit(c, tr.filter((_, i) => !held[i]), pick(Xtr0, held.map((h) => !h)), [pick(Xtr0, held)]);
    let j = 0;
    held.forEach((h, i) => { if (h) oof.set(Ph.subarray(j * C, ++j * C), i * C); });
  }
  const goldTr = tr.map((r) => labels.indexOf(r.label));
  // coordinate search on the OOF macro-F1, class 0 fixed at 0
  const b = new Array(C).fill(0);
  let best = score(oof, goldTr, b).macro_f1;
  const oof0 = best;
  for (let pass = 0; pass < 3; pass++)
    for (let k = 1; k < C; k++)
      for (let v = -3; v <= 3.0001; v += 0.25) {
        const t = b.slice();
        t[k] = v;
        const s = score(oof, goldTr, t).macro_f1;
        if (s > best + 1e-9) (best = s), (b[k] = v);
      }
  const [Pd] = fit(c, tr, Xtr0, [Xdv0]);
  const goldDv = dev.map((r) => labels.indexOf(r.label));
  const sub = Object.values(spec.reportSources ?? {})[0] ?? [];
  const ix = dev.map((r, i) => (sub.some((s) => r.source.startsWith(s)) ? i : -1)).filter((i) => i >= 0);
  for (const [tag, bb] of [['no bias', new Array(C).fill(0)], ['cv bias', b]] as const) {
    const rep = score(Pd, goldDv, bb as number[]);
    const rs = classificationReport(labels, ix.map((i) => goldDv[i]), ix.map((i) => argmaxB(Pd, i, bb as number[])));
    console.log(JSON.stringify(c), tag, (bb as number[]).map((v) => v.toFixed(2)).join(','), 'dev acc', rep.accuracy.toFixed(4), 'mF1', rep.macro_f1.toFixed(4), 'sub', rs.accuracy.toFixed(4),
      rep.per_class.map((m) => m.label.slice(0, 6) + ':' + m.recall.toFixed(3) + '/' + m.precision.toFixed(3)).join(' '), `oof mF1 ${oof0.toFixed(4)}->${best.toFixed(4)}`, ((Date.now() - t0) / 1000).toFixed(0) + 's');
  }
}
