// The jailbreak pack's own calibration model, for experiments that choose guard settings on the train
// side: L-BFGS on the train split minus the calibration slice (cluster-respecting 20%, salt
// semroute-calib-v1), threshold calibrated on that slice at the pack's maxFpr and moved to `target` by
// the bias shift, as train-classifier.ts does before its final fit. The shipped pack trained on the
// whole train side, so its slice figures are in-sample; this model never saw the slice. Scored in TS.
import type { SequenceClassifier } from '../../src/classify/types.ts';
import { loadTask, split, heldOutMask, type Row } from './data.ts';
import { computeIdf, applyTfidf, encodeCorpus, pickRows } from './features.ts';
import { predictAll, type TrainedModel } from './trainer.ts';
import { lbfgs } from './lbfgs.ts';
import { PACKS } from './packs.ts';
import { cachedCorpus } from './_lin-lib.ts';
import { calibrate } from './train-classifier.ts';

export interface HeldOut {
  classifier: SequenceClassifier;
  /** The train split, and its calibration slice (the rows the classifier never saw). */
  train: Row[];
  cal: Row[];
}

export function jailbreakHeldOut(target = 0.7): HeldOut {
  const spec = PACKS.jailbreak;
  const fp = spec.featurizer;
  const { train: tr } = split('jailbreak', loadTask('jailbreak'));
  const isCal = heldOutMask('jailbreak', tr, 'semroute-calib-v1', 20);
  const cal = tr.filter((_, i) => isCal[i]);
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
  model.bias[1] += logit(target) - logit(t);
  console.log(`held-out model: ${rows.length} train rows outside the calibration slice (${cal.length} rows); threshold ${t} moved to ${target}`);
  const classifier: SequenceClassifier = {
    name: 'jailbreak-heldout',
    labels: spec.labels,
    threshold: target,
    async classify(text: string) {
      const probabilities = Float32Array.from(predictAll(model, applyTfidf(encodeCorpus([text], fp, spec.maxLength), idf), 2));
      const index = probabilities[1] > probabilities[0] ? 1 : 0;
      return { label: spec.labels[index], index, confidence: probabilities[index], probabilities, truncated: false };
    },
  };
  return { classifier, train: tr, cal };
}
