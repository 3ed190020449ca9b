// Experiment helpers (not part of `npm run train`): cached featurisation and a full-batch L-BFGS
// softmax trainer whose table T = W (.) R can carry per-(feature, class) NBSVM scales R, with L2 on W.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { applyTfidf, computeIdf, encodeCorpus, type Csr } from './features.ts';
import { rng } from './rng.ts';
import { lbfgs } from './lbfgs.ts';
import { shuffleInPlace, type Row } from './data.ts';
import { dequantize, quantizeTable } from './graphs.ts';
import { classificationReport } from './metrics.ts';
import type { ClassifierPackSpec } from './packs.ts';
import type { HashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';
export { lbfgs };

const CACHE = '/tmp/semroute-exp';

/** encodeCorpus, cached on disk by (texts, params). */
export function cachedCorpus(texts: string[], fp: HashedNgramsParams, maxLength: number): Csr {
  const key = createHash('sha256').update(JSON.stringify([fp, maxLength])).update(texts.join('\u0000')).digest('hex').slice(0, 16);
  const f = `${CACHE}/${key}.bin`;
  if (existsSync(f)) {
    const b = readFileSync(f);
    const rows = b.readInt32LE(0), nnz = b.readInt32LE(4);
    const ab = b.buffer.slice(b.byteOffset + 8, b.byteOffset + b.length);
    return { rows, ptr: new Int32Array(ab, 0, rows + 1).slice(), idx: new Int32Array(ab, (rows + 1) * 4, nnz).slice(), val: new Float32Array(ab, (rows + 1 + nnz) * 4, nnz).slice() };
  }
  const X = encodeCorpus(texts, fp, maxLength);
  mkdirSync(CACHE, { recursive: true });
  const head = Buffer.alloc(8);
  head.writeInt32LE(X.rows, 0), head.writeInt32LE(X.idx.length, 4);
  writeFileSync(f, Buffer.concat([head, Buffer.from(X.ptr.buffer), Buffer.from(X.idx.buffer), Buffer.from(X.val.buffer)]));
  return X;
}

/** One-vs-rest NBSVM log-count ratios r[j, c] over (binarised if `binary`) features, smoothing alpha. */
export function nbRatios(X: Csr, y: Int32Array, V: number, K: number, alpha: number, binary: boolean): Float32Array {
  const cnt = new Float64Array(V * K);
  const tot = new Float64Array(V);
  for (let r = 0; r < X.rows; r++)
    for (let q = X.ptr[r]; q < X.ptr[r + 1]; q++) {
      const v = binary ? 1 : X.val[q];
      cnt[X.idx[q] * K + y[r]] += v;
      tot[X.idx[q]] += v;
    }
  const sumC = new Float64Array(K);
  let sumAll = 0;
  for (let j = 0; j < V; j++) { for (let c = 0; c < K; c++) sumC[c] += cnt[j * K + c] + alpha; sumAll += tot[j] + K * alpha; }
  const R = new Float32Array(V * K);
  for (let j = 0; j < V; j++)
    for (let c = 0; c < K; c++) {
      const p = (cnt[j * K + c] + alpha) / sumC[c];
      const q = (tot[j] - cnt[j * K + c] + (K - 1) * alpha) / (sumAll - sumC[c]);
      R[j * K + c] = Math.log(p / q);
    }
  return R;
}

/**
 * The pack's L-BFGS fit as train-classifier.ts does it (weights by source prefix or attack type, class
 * balance, IDF from the training rows, the pack's table quantisation), on `rows` with raw counts `X0`;
 * returns the probabilities for each of `evalX0`. `o` overrides the spec for an experiment; ITERS in the
 * environment cuts the iterations (smoke runs only).
 */
export function fitPack(spec: ClassifierPackSpec, rows: Row[], X0: Csr, evalX0: Csr[], o: { sampleWeights?: Record<string, number>; balance?: number; l2?: number } = {}): Float32Array[] {
  const labels = spec.labels, C = labels.length, V = spec.featurizer.buckets;
  const idf = computeIdf(X0, V, spec.idfPower);
  const y = Int32Array.from(rows, (r) => labels.indexOf(r.label));
  const sws = { ...spec.sampleWeights, ...o.sampleWeights };
  const sw = Float64Array.from(rows, (r) => { let w = 1; for (const [k, v] of Object.entries(sws)) if (r.source.startsWith(k) || r.attack_type === k) w *= v; return w; });
  const cnt = new Float64Array(C);
  y.forEach((v, i) => (cnt[v] += sw[i]));
  const tot = cnt.reduce((a, b) => a + b, 0);
  const w = Float64Array.from(sw, (s, i) => s * (tot / (C * cnt[y[i]])) ** (o.balance ?? spec.balance));
  const m = lbfgs(applyTfidf(X0, idf), y, w, { V, K: C, l2: o.l2 ?? spec.l2, iters: Number(process.env.ITERS ?? spec.iters ?? 300) });
  const t = dequantize(quantizeTable(m.table, V, C, spec.quant), V, C);
  return evalX0.map((X) => predict(applyTfidf(X, idf), t, m.bias, C));
}

/**
 * One line of the intent experiments' report on `rows` scored `P`: macro-F1, accuracy, creative_writing
 * (class 2) recall / precision, accuracy on the rows of the spec's Arena-Hard + MT-bench sources, each
 * class's recall / precision.
 */
export function reportLine(spec: ClassifierPackSpec, rows: Row[], P: Float32Array): string {
  const labels = spec.labels, C = labels.length;
  const sub = spec.reportSources?.['Arena-Hard + MT-bench rows'] ?? [];
  const argmax = (i: number) => { let b = 0; for (let k = 1; k < C; k++) if (P[i * C + k] > P[i * C + b]) b = k; return b; };
  const gold = rows.map((r) => labels.indexOf(r.label)), pred = rows.map((_, i) => argmax(i));
  const rep = classificationReport(labels, gold, pred);
  const ix = rows.map((r, i) => (sub.some((s) => r.source.startsWith(s)) ? i : -1)).filter((i) => i >= 0);
  const rs = classificationReport(labels, ix.map((i) => gold[i]), ix.map((i) => pred[i]));
  const cw = rep.per_class[Math.min(2, C - 1)];
  return `mF1 ${rep.macro_f1.toFixed(4)} acc ${rep.accuracy.toFixed(4)} ${cw.label.slice(0, 8)} R/P ${cw.recall.toFixed(3)}/${cw.precision.toFixed(3)} sub ${rs.accuracy.toFixed(4)} (n=${ix.length}) ` +
    rep.per_class.map((m) => m.label.slice(0, 4) + ':' + m.recall.toFixed(3) + '/' + m.precision.toFixed(3)).join(' ');
}

export function predict(X: Csr, table: Float32Array, bias: Float32Array, K: number): Float32Array {
  const out = new Float32Array(X.rows * K);
  const z = new Float64Array(K);
  for (let r = 0; r < X.rows; r++) {
    for (let c = 0; c < K; c++) z[c] = bias[c];
    for (let q = X.ptr[r]; q < X.ptr[r + 1]; q++) for (let c = 0; c < K; c++) z[c] += X.val[q] * table[X.idx[q] * K + c];
    let mx = -Infinity, s = 0;
    for (let c = 0; c < K; c++) mx = Math.max(mx, z[c]);
    for (let c = 0; c < K; c++) s += z[c] = Math.exp(z[c] - mx);
    for (let c = 0; c < K; c++) out[r * K + c] = z[c] / s;
  }
  return out;
}

/** Per-example AdaGrad as trainer.ts (linear, L2 on touched rows) but over W with T = W * R. w = example weights. */
export function adagradR(X: Csr, y: Int32Array, w: Float64Array, o: { V: number; K: number; epochs: number; lr: number; l2: number; seed: number; R?: Float32Array; groupOf?: Int32Array; mix?: number }): { table: Float32Array; bias: Float32Array } {
  const { V, K, R } = o;
  const W = new Float32Array(V * K), G = new Float32Array(V * K), b = new Float32Array(K), gb = new Float32Array(K);
  const rand = rng(o.seed);
  const order = Int32Array.from({ length: X.rows }, (_, i) => i);
  const z = new Float64Array(K);
  for (let ep = 0; ep < o.epochs; ep++) {
    shuffleInPlace(order, rand);
    for (const r of order) {
      for (let c = 0; c < K; c++) z[c] = b[c];
      for (let q = X.ptr[r]; q < X.ptr[r + 1]; q++) {
        const x = X.val[q], off = X.idx[q] * K;
        for (let c = 0; c < K; c++) z[c] += x * W[off + c] * (R ? R[off + c] : 1);
      }
      let mx = -Infinity, s = 0;
      for (let c = 0; c < K; c++) mx = Math.max(mx, z[c]);
      for (let c = 0; c < K; c++) s += z[c] = Math.exp(z[c] - mx);
      for (let c = 0; c < K; c++) z[c] /= s;
      if (o.groupOf && o.mix !== undefined) {
        // y is the fine label: mix * fine CE + (1 - mix) * CE of the group marginal
        const gy = o.groupOf[y[r]], a = o.mix;
        let pg = 0;
        for (let c = 0; c < K; c++) if (o.groupOf[c] === gy) pg += z[c];
        for (let c = 0; c < K; c++) z[c] = w[r] * (z[c] - a * (c === y[r] ? 1 : 0) - (1 - a) * (o.groupOf[c] === gy ? z[c] / Math.max(pg, 1e-30) : 0));
      } else if (o.groupOf) {
        let pg = 0;
        for (let c = 0; c < K; c++) if (o.groupOf[c] === y[r]) pg += z[c];
        for (let c = 0; c < K; c++) z[c] = w[r] * (z[c] - (o.groupOf[c] === y[r] ? z[c] / Math.max(pg, 1e-30) : 0));
      } else for (let c = 0; c < K; c++) z[c] = w[r] * (z[c] - (c === y[r] ? 1 : 0));
      for (let c = 0; c < K; c++) {
        gb[c] += z[c] * z[c];
        b[c] -= (o.lr * z[c]) / Math.sqrt(gb[c] + 1e-8);
      }
      for (let q = X.ptr[r]; q < X.ptr[r + 1]; q++) {
        const x = X.val[q], off = X.idx[q] * K;
        for (let c = 0; c < K; c++) {
          const g = x * z[c] * (R ? R[off + c] : 1) + o.l2 * W[off + c];
          if (g === 0) continue;
          G[off + c] += g * g;
          W[off + c] -= (o.lr * g) / Math.sqrt(G[off + c] + 1e-8);
        }
      }
    }
  }
  if (R) for (let i = 0; i < W.length; i++) W[i] *= R[i];
  return { table: W, bias: b };
}
