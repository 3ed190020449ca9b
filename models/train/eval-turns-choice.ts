// How the joined-turns scan is bounded (src/guard/turns.ts), chosen on the training side only:
//   nice npx tsx models/train/eval-turns-choice.ts
// Scores eval-turns.ts's multi-turn sets built from the train-side calibration slice (cluster-respecting
// 20%, salt semroute-calib-v1, as train-classifier.ts calibrates on) with the pack's own calibration
// model: L-BFGS on the train side minus that slice, threshold calibrated on the slice and moved to 0.7
// by the bias shift, as train-classifier.ts does before its final fit (and _jb-window-exp.ts). The
// shipped pack trained on the whole train side, so its train-side figures are in-sample (per-message
// recall 0.99); this model never saw the slice. Dev is scored afterwards with `npm run eval -- jailbreak
// dev --guard --turns`, never here.
import type { SequenceClassifier } from '../../src/classify/types.ts';
import { loadTask, split, heldOutMask } from './data.ts';
import { computeIdf, applyTfidf, encodeCorpus, pickRows } from './features.ts';
import { predictAll, type TrainedModel } from './trainer.ts';
import { lbfgs } from './lbfgs.ts';
import { binaryReport } from './metrics.ts';
import { PACKS } from './packs.ts';
import { cachedCorpus } from './_lin-lib.ts';
import { evaluateTurnsOn, printTurns } from './eval-turns.ts';

const THRESHOLD = 0.7;
const spec = PACKS.jailbreak;
const fp = spec.featurizer;
const { train: tr } = split('jailbreak', loadTask('jailbreak'));
const isCal = heldOutMask('jailbreak', tr, 'semroute-calib-v1', 20);
const cal = tr.filter((_, i) => isCal[i]);

function calibrate(gold: boolean[], score: Float32Array, maxFpr: number): number {
  let best = 0.5, bestF1 = -1;
  for (let t = 0.05; t <= 0.995; t += 0.005) {
    const r = binaryReport(gold, score, t);
    if (r.fpr <= maxFpr && r.f1 > bestF1) (bestF1 = r.f1), (best = t);
  }
  return Math.round(best * 1000) / 1000;
}

function heldOutModel(): SequenceClassifier {
  const X0 = cachedCorpus(tr.map((r) => r.text), fp, spec.maxLength);
  const idf = computeIdf(X0, fp.buckets, spec.idfPower);
  const X = applyTfidf(X0, idf);
  const keep = isCal.map((c) => !c);
  const rows = tr.filter((_, i) => keep[i]);
  const y = Int32Array.from(rows, (r) => spec.labels.indexOf(r.label));
  const sw = Float32Array.from(rows, (r) => {
    let w = 1;
    for (const [k, v] of Object.entries(spec.sampleWeights ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v;
    return w;
  });
  const counts = new Float64Array(2);
  y.forEach((c, i) => (counts[c] += sw[i]));
  const total = counts[0] + counts[1];
  const w = Float64Array.from(sw, (s, i) => s * (total / (2 * counts[y[i]])) ** spec.balance);
  const m0 = lbfgs(pickRows(X, keep), y, w, { V: fp.buckets, K: 2, l2: spec.l2, iters: spec.iters ?? 300 });
  const model: TrainedModel = { dim: 2, table: m0.table, bias: m0.bias };
  const Pc = predictAll(model, pickRows(X, isCal), 2);
  const t = calibrate(cal.map((r) => r.label === 'jailbreak'), Float32Array.from({ length: cal.length }, (_, i) => Pc[i * 2 + 1]), spec.maxFpr!);
  const logit = (p: number) => Math.log(p / (1 - p));
  model.bias[1] += logit(THRESHOLD) - logit(t);
  console.log(`held-out model: ${rows.length} train rows outside the calibration slice (${cal.length} rows); threshold ${t} moved to ${THRESHOLD}`);
  return {
    name: 'jailbreak-heldout',
    labels: spec.labels,
    threshold: THRESHOLD,
    async classify(text: string) {
      const probabilities = Float32Array.from(predictAll(model, applyTfidf(encodeCorpus([text], fp, spec.maxLength), idf), 2));
      const index = probabilities[1] > probabilities[0] ? 1 : 0;
      return { label: spec.labels[index], index, confidence: probabilities[index], probabilities, truncated: false };
    },
  };
}

const clf = heldOutModel();
for (const maxTurns of [2, 3, 4, 6]) {
  for (const maxChars of [2048, 4096, 8192]) printTurns(await evaluateTurnsOn(clf, cal, 'train-side calibration slice', { maxTurns, maxChars }));
}
