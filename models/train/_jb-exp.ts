// Jailbreak dev experiments (not part of `npm run train`): the pack's pipeline (train-side calibration
// slice -> threshold with FPR <= maxFpr, full fit, int8 table) with spec overrides, reporting dev F1 / FPR /
// prompt-injection recall / role-play and XSTest flags, and what the calibration slice itself shows.
//   npx tsx models/train/_jb-exp.ts '[{"optimizer":"lbfgs","l2":1e-6}, {"maxFpr":0.02}]'
import { loadTask, split, heldOutMask, type Row } from './data.ts';
import { computeIdf, applyTfidf, pickRows, type Csr } from './features.ts';
import { train, predictAll, type TrainedModel } from './trainer.ts';
import { lbfgs } from './lbfgs.ts';
import { quantizeTable, dequantize } from './graphs.ts';
import { binaryReport } from './metrics.ts';
import { PACKS, type ClassifierPackSpec } from './packs.ts';
import { cachedCorpus } from './_lin-lib.ts';

const base = PACKS.jailbreak;
const { train: tr, dev } = split('jailbreak', loadTask('jailbreak'));
const fp = base.featurizer;
const Xtr0 = cachedCorpus(tr.map((r) => r.text), fp, base.maxLength);
const Xdv0 = cachedCorpus(dev.map((r) => r.text), fp, base.maxLength);
const idf = computeIdf(Xtr0, fp.buckets, base.idfPower);
const Xtr = applyTfidf(Xtr0, idf), Xdv = applyTfidf(Xdv0, idf);
const pos = 1;
const ytr = Int32Array.from(tr, (r) => base.labels.indexOf(r.label));
const isCal = heldOutMask('jailbreak', tr, 'semroute-calib-v1', 20);

const pick = pickRows;

// as train-classifier.ts fit()
function fit(spec: ClassifierPackSpec, X: Csr, y: Int32Array, rows: Row[]): TrainedModel {
  const sw = Float32Array.from(rows, (r) => {
    let w = 1;
    for (const [k, v] of Object.entries(spec.sampleWeights ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v;
    return w;
  });
  const C = 2;
  if (spec.optimizer === 'lbfgs') {
    const counts = new Float64Array(C);
    y.forEach((c, i) => (counts[c] += sw[i]));
    const total = counts.reduce((a, b) => a + b, 0);
    const w = Float64Array.from(sw, (s, i) => s * (total / (C * counts[y[i]])) ** spec.balance);
    const m = lbfgs(X, y, w, { V: fp.buckets, K: C, l2: spec.l2, iters: spec.iters ?? 300 });
    return { dim: C, table: m.table, bias: m.bias };
  }
  return train(X, y, { buckets: fp.buckets, classes: C, epochs: spec.epochs, lr: spec.lr, l2: spec.l2, balance: spec.balance, seed: spec.seed }, 'exp', sw);
}

const shipped = (m: TrainedModel): TrainedModel => ({ ...m, table: dequantize(quantizeTable(m.table, fp.buckets, 2, 'int8'), fp.buckets, 2) });
const scores = (m: TrainedModel, X: Csr) => { const P = predictAll(m, X, 2); return Float32Array.from({ length: X.rows }, (_, i) => P[i * 2 + pos]); };

/** As train-classifier.ts calibrate(), also returning the calibration-slice report at the chosen threshold. */
function calibrate(gold: boolean[], score: Float32Array, maxFpr: number) {
  let best = 0.5, bestF1 = -1;
  for (let t = 0.05; t <= 0.995; t += 0.005) {
    const r = binaryReport(gold, score, t);
    if (r.fpr <= maxFpr && r.f1 > bestF1) (bestF1 = r.f1), (best = t);
  }
  const t = Math.round(best * 1000) / 1000;
  return { t, rep: binaryReport(gold, score, t) };
}

const calRows = tr.filter((_, i) => isCal[i]);
const calGold = calRows.map((r) => r.label === 'jailbreak');
const calInj = calRows.map((r, i) => (r.attack_type === 'prompt_injection' ? i : -1)).filter((i) => i >= 0);
console.log(`train ${tr.length} (cal ${calRows.length}: benign ${calGold.filter((g) => !g).length}, injections ${calInj.length}), dev ${dev.length}`);
const devGold = dev.map((r) => r.label === 'jailbreak');
const ixOf = (f: (r: Row) => boolean) => dev.map((r, i) => (f(r) ? i : -1)).filter((i) => i >= 0);
const devInj = ixOf((r) => r.attack_type === 'prompt_injection'), devRp = ixOf((r) => r.source === 'awesome_chatgpt_prompts'), devXs = ixOf((r) => r.source.startsWith('xstest'));

const configs: Partial<ClassifierPackSpec>[] = JSON.parse(process.argv[2] ?? '[{}]');
for (const c of configs) {
  const t0 = Date.now();
  const spec: ClassifierPackSpec = { ...base, ...c, sampleWeights: { ...base.sampleWeights, ...(c.sampleWeights ?? {}) } };
  const mc = fit(spec, pick(Xtr, isCal.map((x) => !x)), ytr.filter((_, i) => !isCal[i]), tr.filter((_, i) => !isCal[i]));
  const sc = scores(mc, pick(Xtr, isCal));
  const m = shipped(fit(spec, Xtr, ytr, tr));
  const sd = scores(m, Xdv);
  const out = (t: number, tag: string) => {
    const b = binaryReport(devGold, sd, t);
    const frac = (ix: number[]) => ix.filter((i) => sd[i] >= t).length;
    console.log(`${tag} t=${t.toFixed(3)} dev F1 ${b.f1.toFixed(4)} FPR ${b.fpr.toFixed(4)} (fp ${b.fp}) R ${b.recall.toFixed(4)} PI ${frac(devInj)}/${devInj.length}=${(frac(devInj) / devInj.length).toFixed(3)} RP ${frac(devRp)}/${devRp.length} XS ${frac(devXs)}/${devXs.length}`);
  };
  for (const mf of (c as { fprs?: number[] }).fprs ?? [spec.maxFpr!]) {
    const { t, rep } = calibrate(calGold, sc, mf);
    const calPI = calInj.filter((i) => sc[i] >= t).length;
    console.log(`${JSON.stringify({ ...c, fprs: undefined })} maxFpr ${mf}: cal F1 ${rep.f1.toFixed(4)} FPR ${rep.fpr.toFixed(4)} (fp ${rep.fp}/${rep.fp + rep.tn}) R ${rep.recall.toFixed(4)} PI ${calPI}/${calInj.length}`);
    out(t, '   ');
  }
  for (const t of (c as { ts?: number[] }).ts ?? []) out(t, '   fixed');
  console.log(`   ${((Date.now() - t0) / 1000).toFixed(0)}s`);
}
