// Dev-split experiments with full-batch L-BFGS / NBSVM scaling (not part of `npm run train`):
//   npx tsx models/train/_lin-exp.ts <task> '<json configs>'
import { writeFileSync } from 'node:fs';
import { loadTask, split, fineLabel, type Task } from './data.ts';
import { computeIdf, applyTfidf, type Csr } from './features.ts';
import { train, predictAll } from './trainer.ts';
import { classificationReport } from './metrics.ts';
import { quantizeTable, dequantize } from './graphs.ts';
import { PACKS } from './packs.ts';
import { cachedCorpus, lbfgs, nbRatios, predict, adagradR } from './_lin-lib.ts';

const task = process.argv[2] as Task;
const spec = PACKS[task];
const { train: tr, dev } = split(task, loadTask(task));
const labels = spec.labels;
const C = labels.length;
const configs = JSON.parse(process.argv[3] ?? '[{}]');
const ens: Float32Array[] = [];
const modRows = (X: Csr, rows: number): Csr => (rows ? { ...X, idx: X.idx.map((v) => v % rows) } : X);
const fpBase = spec.featurizer;
for (const c of configs) {
  const t0 = Date.now();
  const fp = { ...fpBase, ...(c.feat ?? {}) };
  const Xtr0 = cachedCorpus(tr.map((r) => r.text), fp, 4096);
  const Xdv0 = cachedCorpus(dev.map((r) => r.text), fp, 4096);
  const idf = computeIdf(Xtr0, fp.buckets, c.idfPow ?? 1);
  const V = c.rows ?? fp.buckets;
  let Xtr = modRows(applyTfidf(Xtr0, idf), c.rows);
  const Xdv = modRows(applyTfidf(Xdv0, idf), c.rows);
  if (c.minDf) {
    // rows of n-grams seen in fewer than minDf training texts stay zero (the norm still counts them, as the graph would)
    const df = new Int32Array(fp.buckets);
    for (const j of Xtr0.idx) df[j]++;
    const ptr = new Int32Array(Xtr.rows + 1), idx: number[] = [], val: number[] = [];
    for (let r = 0; r < Xtr.rows; r++) {
      for (let q = Xtr.ptr[r]; q < Xtr.ptr[r + 1]; q++) if (df[Xtr0.idx[q]] >= c.minDf) idx.push(Xtr.idx[q]), val.push(Xtr.val[q]);
      ptr[r + 1] = idx.length;
    }
    Xtr = { rows: Xtr.rows, ptr, idx: Int32Array.from(idx), val: Float32Array.from(val) };
  }
  const fine = c.fine ? [...new Set(tr.map(fineLabel))].sort() : labels;
  const K = fine.length;
  const coarseOf = c.fine ? fine.map((f) => labels.indexOf(f.slice(0, f.indexOf('|')))) : labels.map((_, i) => i);
  const yc = Int32Array.from(tr, (r) => labels.indexOf(r.label));
  const yf = c.fine ? Int32Array.from(tr, (r) => fine.indexOf(fineLabel(r))) : yc;
  const sw = Float64Array.from(tr, (r) => { let w = 1; for (const [k, v] of Object.entries(c.sw ?? spec.sampleWeights ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v as number; return w; });
  const yb = c.latent ? yc : yf; // balance over what the loss sees
  const nb = c.latent ? C : K;
  const cnt = new Float64Array(nb);
  yb.forEach((v, i) => (cnt[v] += sw[i]));
  const tot = cnt.reduce((a, b) => a + b, 0);
  const bal = c.balance ?? spec.balance;
  const w = Float64Array.from(sw, (s, i) => s * (tot / (nb * cnt[yb[i]])) ** bal);
  let table: Float32Array, bias: Float32Array;
  if (c.opt === 'adagrad') {
    const m = train(Xtr, yf, { buckets: V, classes: K, epochs: c.epochs ?? spec.epochs, lr: c.lr ?? spec.lr, l2: c.l2 ?? spec.l2, balance: bal, seed: c.seed ?? 7 }, 'train', Float32Array.from(sw));
    ({ table, bias } = m);
  } else {
    let R: Float32Array | undefined;
    if (c.nb) {
      R = nbRatios(Xtr, yf, V, K, c.nb.alpha ?? 1, c.nb.binary ?? true);
      const pw = c.nb.pow ?? 1;
      for (let i = 0; i < R.length; i++) R[i] = c.nb.abs ? (c.nb.floor ?? 0) + Math.abs(R[i]) ** pw : Math.sign(R[i]) * Math.abs(R[i]) ** pw;
    }
    const groupOf = c.latent ? Int32Array.from(coarseOf) : undefined;
    if (c.opt === 'ada') ({ table, bias } = adagradR(Xtr, c.latent ? yc : yf, w, { V, K, epochs: c.epochs ?? spec.epochs, lr: c.lr ?? spec.lr, l2: c.l2 ?? spec.l2, seed: c.seed ?? 7, R, groupOf: c.mix !== undefined ? Int32Array.from(coarseOf) : groupOf, mix: c.mix }));
    else ({ table, bias } = lbfgs(Xtr, c.latent ? yc : yf, w, { V, K, l2: c.l2 ?? 1e-4, iters: c.iters ?? 100, R, groupOf: c.latent ? Int32Array.from(coarseOf) : undefined, log: c.log }));
  }
  const shipped = dequantize(quantizeTable(table, V, K, 'int8'), V, K);
  const P0 = predict(Xdv, shipped, bias, K);
  const P = new Float32Array(dev.length * C);
  for (let i = 0; i < dev.length; i++) for (let k = 0; k < K; k++) P[i * C + coarseOf[k]] += P0[i * K + k];
  const report = (P: Float32Array, tag: string, bias: Record<string, number> = c.bias ?? {}) => {
    const pred = dev.map((_, i) => { let b = 0, bv = -Infinity; for (let k = 0; k < C; k++) { const v = Math.log(P[i * C + k]) + (bias[labels[k]] ?? 0); if (v > bv) (bv = v), (b = k); } return b; });
    const gold = dev.map((r) => labels.indexOf(r.label));
    const rep = classificationReport(labels, gold, pred);
    const sub = Object.values(spec.reportSources ?? {})[0] ?? [];
    const ix = dev.map((r, i) => (sub.some((s) => r.source.startsWith(s)) ? i : -1)).filter((i) => i >= 0);
    const rp = classificationReport(labels, ix.map((i) => gold[i]), ix.map((i) => pred[i]));
    const nll = -dev.reduce((a, r, i) => a + Math.log(Math.max(P[i * C + gold[i]], 1e-12)), 0) / dev.length;
    console.log(tag, 'acc', rep.accuracy.toFixed(4), 'mF1', rep.macro_f1.toFixed(4), 'sub', rp.accuracy.toFixed(4), 'nll', nll.toFixed(4), ((Date.now() - t0) / 1000).toFixed(0) + 's',
      task === 'intent' ? rep.per_class.map((m) => m.label.slice(0, 6) + ':' + m.recall.toFixed(3) + '/' + m.precision.toFixed(3)).join(' ') : '');
  };
  report(P, JSON.stringify(c));
  for (const b of c.biases ?? []) report(P, '  bias ' + JSON.stringify(b), b);
  if (c.save) writeFileSync(`/tmp/lin/P-${task}-${c.save}.bin`, Buffer.from(P.buffer));
  if (c.ens) {
    ens.push(P);
    if (ens.length > 1) {
      const E = new Float32Array(P.length);
      for (const Q of ens) for (let i = 0; i < E.length; i++) E[i] += Q[i] / ens.length;
      report(E, `  ensemble of ${ens.length}`);
    }
  }
  if (c.reset) ens.length = 0;
}
