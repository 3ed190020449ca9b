// Classification metrics shared by training reports and `npm run eval`.
export interface ClassMetrics {
  label: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  n: number;
  accuracy: number;
  macro_f1: number;
  per_class: ClassMetrics[];
}

export function classificationReport(labels: readonly string[], gold: ArrayLike<number>, pred: ArrayLike<number>): ClassificationReport {
  const C = labels.length;
  const tp = new Array(C).fill(0), fp = new Array(C).fill(0), fn = new Array(C).fill(0);
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    if (gold[i] === pred[i]) {
      correct++;
      tp[gold[i]]++;
    } else {
      if (gold[i] >= 0) fn[gold[i]]++;
      if (pred[i] >= 0) fp[pred[i]]++;
    }
  }
  const per_class = labels.map((label, c) => {
    const precision = tp[c] + fp[c] ? tp[c] / (tp[c] + fp[c]) : 0;
    const recall = tp[c] + fn[c] ? tp[c] / (tp[c] + fn[c]) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, support: tp[c] + fn[c], precision, recall, f1 };
  });
  const present = per_class.filter((m) => m.support > 0);
  return {
    n: gold.length,
    accuracy: gold.length ? correct / gold.length : 0,
    macro_f1: present.length ? present.reduce((a, m) => a + m.f1, 0) / present.length : 0,
    per_class,
  };
}

export interface BinaryReport {
  n: number;
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
  accuracy: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** positive = score >= threshold. */
export function binaryReport(gold: ArrayLike<boolean>, score: ArrayLike<number>, threshold: number): BinaryReport {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < gold.length; i++) {
    const p = score[i] >= threshold;
    if (gold[i]) p ? tp++ : fn++;
    else p ? fp++ : tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    n: gold.length,
    threshold,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    fpr: fp + tn ? fp / (fp + tn) : 0,
    accuracy: gold.length ? (tp + tn) / gold.length : 0,
    tp, fp, tn, fn,
  };
}

export const fmt = (x: number, d = 4) => x.toFixed(d);
