// Experiment (not part of the pack): per-class log-biases for the domain ensemble fitted on a
// train-side calibration slice (own salt), then applied to the shipped pack's dev probabilities.
// Run: nice -n 5 npx tsx models/train/_dom-calib.ts
import { loadTask, split, heldOutMask, fineLabel } from './data.ts';
import { encodeCorpus, computeIdf, applyTfidf, pickRows, type Csr } from './features.ts';
import { train, predictAll, type TrainedModel } from './trainer.ts';
import { lbfgs } from './lbfgs.ts';
import { quantizeTable, dequantize } from './graphs.ts';
import { PACKS } from './packs.ts';
import { resolvePackPath } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { loadPack } from '../../src/classify/pack-loader.ts';
import { createSequenceClassifier } from '../../src/classify/sequence-classifier.ts';

const spec = (PACKS as any).domain;
const L: string[] = spec.labels, C = L.length;
const { train: tr, dev } = split('domain', loadTask('domain'));

// dev probabilities of the shipped pack, through the serving code
const { source, dir } = resolvePackPath('domain');
const clf = createSequenceClassifier(await loadPack(source, dir, createNodeEngine('cpu')));
const Pdev: number[][] = [], Gdev: number[] = [];
for (const r of dev) { Gdev.push(L.indexOf(r.label)); Pdev.push(Array.from((await clf.classify(r.text)).probabilities)); }
console.log('dev rows', Pdev.length);

const isCal = heldOutMask('domain', tr, 'semroute-calib-domain-v1', 20);
const fitRows = tr.filter((_, i) => !isCal[i]), calRows = tr.filter((_, i) => isCal[i]);
console.log('fit', fitRows.length, 'cal', calRows.length);
const fp = spec.featurizer;
const X0 = encodeCorpus(tr.map((r) => r.text), fp, spec.maxLength);
const idf = computeIdf(X0, fp.buckets, spec.idfPower);
const X = applyTfidf(X0, idf);
const Xf = pickRows(X, isCal.map((c) => !c)), Xc = pickRows(X, isCal);
const modRows = (M: Csr, rows: number): Csr => ({ ...M, idx: M.idx.map((v) => v % rows) });
const Pcal = new Float32Array(Xc.rows * C);
for (const e of spec.ensemble) {
  const fine = e.fine ? [...new Set(fitRows.map(fineLabel))].sort() : L;
  const y = Int32Array.from(fitRows, (r) => fine.indexOf(e.fine ? fineLabel(r) : r.label));
  const K = fine.length;
  const coarseOf = e.fine ? fine.map((f) => L.indexOf(f.slice(0, f.indexOf('|')))) : L.map((_, c) => c);
  let m: TrainedModel;
  const t0 = Date.now();
  if ((e.optimizer ?? spec.optimizer) === 'lbfgs') {
    const counts = new Float64Array(K); y.forEach((c) => counts[c]++);
    const w = Float64Array.from(y, (c) => (y.length / (K * counts[c])) ** spec.balance);
    const r = lbfgs(modRows(Xf, e.rows), y, w, { V: e.rows, K, l2: spec.l2, iters: e.iters ?? spec.iters ?? 300 });
    m = { dim: K, table: r.table, bias: r.bias } as TrainedModel;
  } else m = train(modRows(Xf, e.rows), y, { buckets: e.rows, classes: K, hidden: spec.hidden, epochs: spec.epochs, lr: spec.lr, l2: spec.l2, balance: spec.balance, seed: spec.seed }, `member ${K}`, new Float32Array(y.length).fill(1));
  console.log('member', K, 'trained in', (Date.now() - t0) / 1000, 's');
  const shipped: TrainedModel = { ...m, table: dequantize(quantizeTable(m.table, e.rows, K, spec.quant), e.rows, K) };
  const Pm = predictAll(shipped, modRows(Xc, e.rows), K);
  for (let r = 0; r < Xc.rows; r++) for (let k = 0; k < K; k++) Pcal[r * C + coarseOf[k]] += Pm[r * K + k] / spec.ensemble.length;
}
const Pc: number[][] = Array.from({ length: Xc.rows }, (_, r) => Array.from(Pcal.subarray(r * C, r * C + C)));
const Gc = calRows.map((r) => L.indexOf(r.label));

const acc = (P: number[][], G: number[], b: number[]) => {
  let c = 0;
  P.forEach((p, i) => { let bi = 0, bv = -1e9; p.forEach((v, k) => { const s = Math.log(v + 1e-12) + b[k]; if (s > bv) { bv = s; bi = k; } }); if (bi === G[i]) c++; });
  return c / P.length;
};
// maximise mean log softmax(log p + b)[y] - lam/2 |b|^2 by gradient ascent (concave)
function fitLL(P: number[][], G: number[], lam: number): number[] {
  const b = new Array(C).fill(0);
  for (let it = 0; it < 3000; it++) {
    const g = b.map((x) => -lam * x);
    P.forEach((p, i) => {
      const s = p.map((v, k) => Math.log(v + 1e-12) + b[k]); const mx = Math.max(...s);
      const e = s.map((x) => Math.exp(x - mx)); const z = e.reduce((a, x) => a + x, 0);
      e.forEach((x, k) => (g[k] -= x / z / P.length)); g[G[i]] += 1 / P.length;
    });
    for (let k = 0; k < C; k++) b[k] += 2 * g[k];
  }
  return b;
}
function fitAcc(P: number[][], G: number[], steps = [-0.6, -0.4, -0.2, -0.1, 0.1, 0.2, 0.4, 0.6], passes = 3): number[] {
  const b = new Array(C).fill(0);
  for (let it = 0; it < passes; it++) for (let k = 0; k < C; k++) {
    let best = b[k], ba = acc(P, G, b);
    for (const d of steps) { const o = b[k]; b[k] = o + d; const a = acc(P, G, b); if (a > ba) { ba = a; best = b[k]; } b[k] = o; }
    b[k] = best;
  }
  return b;
}
const zero = new Array(C).fill(0);
console.log('no bias: cal', acc(Pc, Gc, zero).toFixed(4), 'dev', acc(Pdev, Gdev, zero).toFixed(4));
for (const lam of [0, 1e-3, 1e-2]) {
  const b = fitLL(Pc, Gc, lam);
  console.log(`LL lam=${lam}: cal`, acc(Pc, Gc, b).toFixed(4), 'dev', acc(Pdev, Gdev, b).toFixed(4), b.map((x) => x.toFixed(2)).join(' '));
}
const ba = fitAcc(Pc, Gc);
console.log('acc-coord: cal', acc(Pc, Gc, ba).toFixed(4), 'dev', acc(Pdev, Gdev, ba).toFixed(4), ba.map((x) => x.toFixed(1)).join(' '));
for (const [steps, passes] of [[[-0.1, 0.1], 1], [[-0.2, -0.1, -0.05, 0.05, 0.1, 0.2], 3]] as [number[], number][]) {
  const b = fitAcc(Pc, Gc, steps, passes);
  for (const s of [1, 0.5]) console.log(`acc-coord steps ${steps} x${passes} shrink ${s}: cal`, acc(Pc, Gc, b.map((x) => x * s)).toFixed(4), 'dev', acc(Pdev, Gdev, b.map((x) => x * s)).toFixed(4));
}
// Members are class-balanced (balance 1), so a bias of a * log(train prior) restores the priors.
const prior = L.map((l) => Math.log(tr.filter((r) => r.label === l).length / tr.length));
for (const a of [0.1, 0.25, 0.5, 1]) console.log(`log-prior x${a}: cal`, acc(Pc, Gc, prior.map((x) => a * x)).toFixed(4), 'dev', acc(Pdev, Gdev, prior.map((x) => a * x)).toFixed(4));
