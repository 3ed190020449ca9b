// Experiment helpers (not part of `npm run train`): cached featurisation and a full-batch L-BFGS
// softmax trainer whose table T = W (.) R can carry per-(feature, class) NBSVM scales R, with L2 on W.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { encodeCorpus, type Csr } from './features.ts';
import { rng } from './rng.ts';
export { lbfgs } from './lbfgs.ts';
import { shuffleInPlace } from './data.ts';
import type { HashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';

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
