// Trains one classifier pack end to end: split, featurise, (calibrate), train, quantise, export,
// check the ONNX against the trainer, measure latency, write the pack and its model card.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTask, split, heldOutMask, fineLabel, type Row, REPO_ROOT, DEV_PERCENT, DEV_SALT } from './data.ts';
import { buildEnsembleGraph, type EnsembleMember } from './ensemble-graph.ts';
import { encodeCorpus, computeIdf, applyTfidf, pickRows, type Csr } from './features.ts';
import { train, predictAll, type TrainedModel } from './trainer.ts';
import { lbfgs } from './lbfgs.ts';
import { buildHashedGraph, quantizeTable, dequantize } from './graphs.ts';
import { classificationReport, binaryReport, type ClassificationReport, type BinaryReport } from './metrics.ts';
import { openPack, latency } from './ort-check.ts';
import type { ClassifierPackSpec } from './packs.ts';
import type { PackManifest } from '../../src/classify/types.ts';
import { writeClassifierCard } from './model-card.ts';

export interface ClassifierResult {
  spec: ClassifierPackSpec;
  trainRows: number;
  devRows: number;
  dev: ClassificationReport;
  subsets: Record<string, ClassificationReport>;
  binary?: BinaryReport;
  injectionRecall?: { n: number; recall: number };
  roleplayFpr?: { n: number; fpr: number };
  threshold: number;
  /** Binary packs with an operating point: the calibrated threshold before the bias shift. */
  calibratedThreshold?: number;
  sizeBytes: number;
  parityMaxDiff: number;
  latency: { p50_ms: number; p99_ms: number };
  seconds: number;
}

function fit(spec: ClassifierPackSpec, X: Csr, y: Int32Array, label: string, rows: Row[], classes = spec.labels.length, buckets = spec.featurizer.buckets): TrainedModel {
  const sw = Float32Array.from(rows, (r) => {
    let w = 1;
    for (const [k, v] of Object.entries(spec.sampleWeights ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v;
    return w;
  });
  if (spec.optimizer === 'lbfgs') {
    // same class-balanced example weights as trainer.ts, normalised inside lbfgs()
    const counts = new Float64Array(classes);
    y.forEach((c, i) => (counts[c] += sw[i]));
    const total = counts.reduce((a, b) => a + b, 0);
    const w = Float64Array.from(sw, (s, i) => s * (total / (classes * counts[y[i]])) ** spec.balance);
    const m = lbfgs(X, y, w, { V: buckets, K: classes, l2: spec.l2, iters: spec.iters ?? 300 });
    return { dim: classes, table: m.table, bias: m.bias };
  }
  return train(X, y, { buckets, classes, hidden: spec.hidden, epochs: spec.epochs, lr: spec.lr, l2: spec.l2, balance: spec.balance, seed: spec.seed }, label, sw);
}

function argmax(P: Float32Array, i: number, C: number): number {
  let b = 0;
  for (let k = 1; k < C; k++) if (P[i * C + k] > P[i * C + b]) b = k;
  return b;
}

/**
 * Shifts a two-class softmax's positive bias by logit(target) - logit(threshold), so a probability
 * that was at `threshold` is now at `target` (p' = sigmoid(logit(p) + shift): same order, same
 * decisions). Why: the gateway compares with prompt_guard.threshold (0.7 by default, as the
 * reference), so the calibrated point must sit there for the card's figures to be what it does.
 */
function moveOperatingPoint(bias: Float32Array, pos: number, threshold: number, target: number): number {
  if (bias.length !== 2) throw new Error('operatingPoint needs a two-class model');
  const logit = (p: number) => Math.log(p / (1 - p));
  bias[pos] += logit(target) - logit(threshold);
  return target;
}

/** Threshold with FPR <= maxFpr on a train-side calibration split that maximises F1. */
export function calibrate(gold: boolean[], score: Float32Array, maxFpr: number): number {
  let best = 0.5, bestF1 = -1;
  for (let t = 0.05; t <= 0.995; t += 0.005) {
    const r = binaryReport(gold, score, t);
    if (r.fpr <= maxFpr && r.f1 > bestF1) {
      bestF1 = r.f1;
      best = t;
    }
  }
  return Math.round(best * 1000) / 1000;
}

const modRows = (X: Csr, rows: number): Csr => ({ ...X, idx: X.idx.map((v) => v % rows) });

/** Ensemble tables are int8, scaled per column or (the older packs) per row. */
const memberQuant = (spec: ClassifierPackSpec): 'int8' | 'int8col' => (spec.quant === 'int8col' ? 'int8col' : 'int8');

/** Trains each ensemble member, returns the averaged dev probabilities of the shipped (int8) weights and the graph. */
function trainEnsemble(spec: ClassifierPackSpec, tr: Row[], Xtr: Csr, Xdv: Csr, ytr: Int32Array, idf: Float32Array, meta: Record<string, string>): { P: Float32Array; bytes: Uint8Array } {
  const C = spec.labels.length;
  const P = new Float32Array(Xdv.rows * C);
  const members: EnsembleMember[] = [];
  spec.ensemble!.forEach((e, i) => {
    const fine = e.fine ? [...new Set(tr.map(fineLabel))].sort() : spec.labels;
    const y = e.fine ? Int32Array.from(tr, (r) => fine.indexOf(fineLabel(r))) : ytr;
    const K = fine.length;
    const coarseOf = e.fine ? fine.map((f) => spec.labels.indexOf(f.slice(0, f.indexOf('|')))) : spec.labels.map((_, c) => c);
    const m = fit({ ...spec, optimizer: e.optimizer ?? spec.optimizer, iters: e.iters ?? spec.iters }, modRows(Xtr, e.rows), y, `${spec.name} member ${i + 1}/${spec.ensemble!.length}${e.fine ? ` (${K} fine labels)` : ''}`, tr, K, e.rows);
    const shipped: TrainedModel = { ...m, table: dequantize(quantizeTable(m.table, e.rows, K, memberQuant(spec)), e.rows, K) };
    const Pm = predictAll(shipped, modRows(Xdv, e.rows), K);
    for (let r = 0; r < Xdv.rows; r++) for (let k = 0; k < K; k++) P[r * C + coarseOf[k]] += Pm[r * K + k] / spec.ensemble!.length;
    const marginal = e.fine ? Float32Array.from({ length: K * C }, (_, q) => (coarseOf[Math.floor(q / C)] === q % C ? 1 : 0)) : undefined;
    members.push({ rows: e.rows, classes: K, table: m.table, bias: m.bias, marginal });
  });
  return { P, bytes: buildEnsembleGraph(spec.featurizer.buckets, idf, C, members, meta, memberQuant(spec)) };
}

export async function trainClassifierPack(spec: ClassifierPackSpec, outRoot = join(REPO_ROOT, 'models')): Promise<ClassifierResult> {
  const t0 = Date.now();
  const rows = loadTask(spec.name);
  const { train: tr, dev } = split(spec.name, rows);
  const C = spec.labels.length;
  const yOf = (rs: Row[]) => Int32Array.from(rs, (r) => {
    const c = spec.labels.indexOf(r.label);
    if (c < 0) throw new Error(`unknown label ${r.label} in ${spec.name}`);
    return c;
  });
  const fp = spec.featurizer;
  const Xtr0 = encodeCorpus(tr.map((r) => r.text), fp, spec.maxLength);
  const Xdv0 = encodeCorpus(dev.map((r) => r.text), fp, spec.maxLength);
  const idf = computeIdf(Xtr0, fp.buckets, spec.idfPower);
  const Xtr = applyTfidf(Xtr0, idf);
  const Xdv = applyTfidf(Xdv0, idf);
  const ytr = yOf(tr);

  let threshold = 0.5;
  let calibratedThreshold: number | undefined;
  const pos = spec.positive ? spec.labels.indexOf(spec.positive) : -1;
  if (pos >= 0 && spec.maxFpr !== undefined) {
    // Calibration rows are a hash-chosen 20% of the TRAIN side; the dev split stays untouched.
    const isCal = heldOutMask(spec.name, tr, 'semroute-calib-v1', 20);
    const pick = pickRows;
    const m = fit(spec, pick(Xtr, isCal.map((c) => !c)), ytr.filter((_, i) => !isCal[i]), `${spec.name} (calibration)`, tr.filter((_, i) => !isCal[i]));
    const Xc = pick(Xtr, isCal);
    const Pc = predictAll(m, Xc, C);
    const goldC = ytr.filter((_, i) => isCal[i]);
    threshold = calibrate(Array.from(goldC, (c) => c === pos), Float32Array.from({ length: Xc.rows }, (_, i) => Pc[i * C + pos]), spec.maxFpr);
  }

  const meta = { pack: spec.name, labels: spec.labels.join(',') };
  let P: Float32Array;
  let graphBytes: Uint8Array;
  if (spec.ensemble) ({ P, bytes: graphBytes } = trainEnsemble(spec, tr, Xtr, Xdv, ytr, idf, meta));
  else {
    const model = fit(spec, Xtr, ytr, spec.name, tr);
    if (pos >= 0 && spec.operatingPoint !== undefined && spec.maxFpr !== undefined) {
      calibratedThreshold = threshold;
      threshold = moveOperatingPoint(model.bias, pos, threshold, spec.operatingPoint);
    }
    // Evaluate the weights as shipped (quantised table).
    const qt = quantizeTable(model.table, fp.buckets, model.dim, spec.quant);
    const shipped: TrainedModel = { ...model, table: dequantize(qt, fp.buckets, model.dim) };
    P = predictAll(shipped, Xdv, C);
    graphBytes = buildHashedGraph({ kind: 'classifier', buckets: fp.buckets, dim: model.dim, idf, table: model.table, bias: model.bias, hidden: model.hidden, quant: spec.quant }, meta).bytes;
  }
  const gold = Array.from(yOf(dev));
  const pred = dev.map((_, i) => (pos >= 0 ? (P[i * C + pos] >= threshold ? pos : 1 - pos) : argmax(P, i, C)));
  const report = classificationReport(spec.labels, gold, pred);
  const subsets: Record<string, ClassificationReport> = {};
  for (const [name, sources] of Object.entries(spec.reportSources ?? {})) {
    const ix = dev.map((r, i) => (sources.some((s) => r.source.startsWith(s)) ? i : -1)).filter((i) => i >= 0);
    if (ix.length) subsets[name] = classificationReport(spec.labels, ix.map((i) => gold[i]), ix.map((i) => pred[i]));
  }
  const res: Partial<ClassifierResult> = { spec, trainRows: tr.length, devRows: dev.length, dev: report, subsets, threshold, calibratedThreshold };
  if (pos >= 0) {
    const score = Float32Array.from({ length: dev.length }, (_, i) => P[i * C + pos]);
    res.binary = binaryReport(gold.map((g) => g === pos), score, threshold);
    const inj = dev.map((r, i) => (r.attack_type === 'prompt_injection' ? i : -1)).filter((i) => i >= 0);
    res.injectionRecall = { n: inj.length, recall: inj.length ? inj.filter((i) => score[i] >= threshold).length / inj.length : 0 };
    const rp = dev.map((r, i) => (r.source === 'awesome_chatgpt_prompts' ? i : -1)).filter((i) => i >= 0);
    res.roleplayFpr = { n: rp.length, fpr: rp.length ? rp.filter((i) => score[i] >= threshold).length / rp.length : 0 };
  }

  const g = { bytes: graphBytes };
  const manifest: PackManifest = {
    name: spec.name,
    version: '1.0.0',
    task: 'sequence-classification',
    description: spec.description,
    featurizer: { type: 'hashed-ngrams', ...fp },
    inputs: ['ids', 'weights'],
    output: 'probs',
    output_kind: 'probabilities',
    max_length: spec.maxLength,
    threshold,
    ...(spec.positive ? { positive_label: spec.positive } : {}),
    files: { model: 'model.onnx', labels: 'labels.json' },
    training: { command: `npm run train -- ${spec.name}`, data: '../shared/data', dev_split: { salt: DEV_SALT, percent: DEV_PERCENT }, seed: spec.seed, idf_power: spec.idfPower, quant: spec.quant, hidden: spec.hidden ?? 0, ...(spec.optimizer === 'lbfgs' ? { optimizer: 'lbfgs', iters: spec.iters ?? 300, l2: spec.l2 } : { epochs: spec.epochs }), ...(spec.ensemble ? { ensemble: spec.ensemble } : {}) },
  };
  const labelsJson = spec.labelsKey === 'category'
    ? { idx_to_category: Object.fromEntries(spec.labels.map((l, i) => [String(i), l])), category_to_idx: Object.fromEntries(spec.labels.map((l, i) => [l, i])) }
    : { idx_to_label: Object.fromEntries(spec.labels.map((l, i) => [String(i), l])), label_to_idx: Object.fromEntries(spec.labels.map((l, i) => [l, i])) };
  const dir = join(outRoot, spec.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), g.bytes);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(dir, 'labels.json'), JSON.stringify(labelsJson, null, 2) + '\n');

  const pack = await openPack(g.bytes, manifest);
  let maxDiff = 0;
  for (let i = 0; i < Math.min(200, dev.length); i++) {
    const { out } = await pack.run(dev[i].text);
    for (let c = 0; c < C; c++) maxDiff = Math.max(maxDiff, Math.abs(out[c] - P[i * C + c]));
  }
  res.sizeBytes = g.bytes.length;
  res.parityMaxDiff = maxDiff;
  res.latency = await latency(pack.run);
  res.seconds = (Date.now() - t0) / 1000;
  writeClassifierCard(dir, res as ClassifierResult);
  return res as ClassifierResult;
}
