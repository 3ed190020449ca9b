// Training side of the word-vector block (serving side: src/classify/featurizers/word-vectors.ts).
// GloVe vectors are placed into the featurizer's hashed word buckets (the most frequent word that
// hashes to a bucket owns it), each bucket gets a weight a_b (plain mean, SIF a/(a+p(w)), or IDF),
// and a text's dense feature is x = scale * sum_i count_i * a_b(i) * E[b(i)] / sum_i count_i.
// x is linear in the per-bucket rows, so a linear model W over x would export as one K-wide row per
// bucket, scale * a_b * W^T E[b]; no classification pack adopted the block (packs.ts notes), so
// only the dev experiments (_wv-exp.ts) use it.
import { WordVectorEncoder, wordVectorId, type WordVectorParams } from '../../src/classify/featurizers/word-vectors.ts';
import { wordVectorTokens } from '../../src/classify/featurizers/word-vectors.ts';
import type { Glove } from './glove.ts';

export interface WvSpec {
  params: WordVectorParams;
  /** GloVe words taken, most frequent first (words seen in training are added on top when trainWords). */
  maxWords: number;
  trainWords?: boolean;
  weight: 'mean' | 'sif-rank' | 'sif-train' | 'idf';
  /** SIF's a. */
  sifA?: number;
  /** Multiplier on x (sets its size against the L2-normalised sparse bag). */
  scale: number;
}

/** Distinct word ids and counts per text (CSR). */
export interface WvRows {
  rows: number;
  ptr: Int32Array;
  ids: Int32Array;
  counts: Float32Array;
}

export function encodeWv(texts: string[], params: WordVectorParams, maxLength: number, maxChars: number): WvRows {
  const enc = new WordVectorEncoder(params, maxLength, maxChars);
  const ptr = new Int32Array(texts.length + 1);
  const ids: number[] = [];
  const counts: number[] = [];
  texts.forEach((t, i) => {
    const r = enc.run(t);
    for (let k = 0; k < r.length; k++) ids.push(r.ids[k]!), counts.push(r.counts[k]!);
    ptr[i + 1] = ids.length;
  });
  return { rows: texts.length, ptr, ids: Int32Array.from(ids), counts: Float32Array.from(counts) };
}

export interface WvTable {
  dim: number;
  /** [buckets, dim]: the owning word's vector, 0 for empty buckets. */
  E: Float32Array;
  /** [buckets]: a_b (0 for empty buckets). */
  a: Float32Array;
  owned: number;
}

/** Word -> bucket placement and bucket weights. trainTexts feed 'sif-train' / 'idf' / trainWords. */
export function buildWvTable(glove: Glove, spec: WvSpec, trainTexts: string[], maxChars: number): WvTable {
  const R = spec.params.buckets;
  const D = glove.dim;
  const E = new Float32Array(R * D);
  const a = new Float32Array(R);
  const owner = new Int32Array(R).fill(-1);
  const tf = new Map<string, number>();
  const df = new Map<string, number>();
  let total = 0;
  if (spec.weight === 'sif-train' || spec.weight === 'idf' || spec.trainWords) {
    for (const t of trainTexts) {
      const toks = wordVectorTokens(t, maxChars);
      total += toks.length;
      for (const w of toks) tf.set(w, (tf.get(w) ?? 0) + 1);
      for (const w of new Set(toks)) df.set(w, (df.get(w) ?? 0) + 1);
    }
  }
  const ranks: number[] = [];
  const lim = Math.min(spec.maxWords, glove.words.length);
  for (let r = 0; r < lim; r++) ranks.push(r);
  if (spec.trainWords) for (const w of tf.keys()) { const r = glove.index.get(w); if (r !== undefined && r >= lim) ranks.push(r); }
  ranks.sort((x, y) => x - y);
  const A = spec.sifA ?? 1e-3;
  // Zipf estimate of p(w) from the GloVe rank: p ~ 1 / ((r + 2.7) * ln(1.78 * V)), V = vocabulary size
  const zipfNorm = Math.log(1.78 * glove.words.length);
  const N = trainTexts.length;
  let owned = 0;
  for (const r of ranks) {
    const w = glove.words[r]!;
    const b = wordVectorId(w, spec.params);
    if (owner[b] !== -1) continue;
    owner[b] = r;
    owned++;
    E.set(glove.vectors.subarray(r * D, (r + 1) * D), b * D);
    a[b] =
      spec.weight === 'mean' ? 1
      : spec.weight === 'sif-rank' ? A / (A + 1 / ((r + 2.7) * zipfNorm))
      : spec.weight === 'sif-train' ? A / (A + (tf.get(w) ?? 0) / Math.max(1, total))
      : Math.log((1 + N) / (1 + (df.get(w) ?? 0))) + 1;
  }
  if (spec.weight === 'idf') { let m = 0; for (const v of a) m = Math.max(m, v); for (let b = 0; b < R; b++) a[b] /= m; }
  return { dim: D, E, a, owned };
}

/** Dense columns x_j (j < dim), each a Float32Array over rows, for features.appendDense. */
export function denseWv(rows: WvRows, t: WvTable, scale: number): Float32Array[] {
  const D = t.dim;
  const cols = Array.from({ length: D }, () => new Float32Array(rows.rows));
  const x = new Float64Array(D);
  for (let r = 0; r < rows.rows; r++) {
    x.fill(0);
    let n = 0;
    for (let k = rows.ptr[r]!; k < rows.ptr[r + 1]!; k++) {
      const b = rows.ids[k]!, c = rows.counts[k]!;
      n += c;
      const w = c * t.a[b]!;
      if (w === 0) continue;
      const o = b * D;
      for (let d = 0; d < D; d++) x[d] += w * t.E[o + d]!;
    }
    const s = n > 0 ? scale / n : 0;
    for (let d = 0; d < D; d++) cols[d]![r] = x[d]! * s;
  }
  return cols;
}

/** Symmetric eigen-decomposition (cyclic Jacobi): A = V diag(w) V^T, V's columns are eigenvectors. */
export function symEig(A: Float64Array, n: number, tol = 1e-20): { w: Float64Array; V: Float64Array } {
  const a = Float64Array.from(A);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < tol) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!, vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  return { w: Float64Array.from({ length: n }, (_, i) => a[i * n + i]!), V };
}

/**
 * PCA whitening fitted on the training rows' dense features: x' = M (x - mu) with M [out, dim]
 * keeping the `out` largest components, each scaled to unit variance. Linear, so it folds into the
 * bucket vectors at export (E'_b = M E_b; the constant -M mu goes into the bias via wvBias).
 */
export function fitWhitening(cols: Float32Array[], out = cols.length, eps = 1e-6): { mu: Float64Array; M: Float64Array; out: number } {
  const D = cols.length, N = cols[0]!.length;
  const mu = Float64Array.from(cols, (c) => c.reduce((s, v) => s + v, 0) / N);
  const C = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = i; j < D; j++) {
      let s = 0;
      const ci = cols[i]!, cj = cols[j]!;
      for (let r = 0; r < N; r++) s += (ci[r]! - mu[i]!) * (cj[r]! - mu[j]!);
      C[i * D + j] = C[j * D + i] = s / N;
    }
  const { w, V } = symEig(C, D);
  const order = Array.from({ length: D }, (_, i) => i).sort((x, y) => w[y]! - w[x]!).slice(0, out);
  const M = new Float64Array(out * D);
  order.forEach((e, o) => { const s = 1 / Math.sqrt(Math.max(w[e]!, 0) + eps); for (let d = 0; d < D; d++) M[o * D + d] = V[d * D + e]! * s; });
  return { mu, M, out };
}

export function applyWhitening(cols: Float32Array[], wh: { mu: Float64Array; M: Float64Array; out: number }, scale = 1): Float32Array[] {
  const D = cols.length, N = cols[0]!.length;
  const res = Array.from({ length: wh.out }, () => new Float32Array(N));
  const x = new Float64Array(D);
  for (let r = 0; r < N; r++) {
    for (let d = 0; d < D; d++) x[d] = cols[d]![r]! - wh.mu[d]!;
    for (let o = 0; o < wh.out; o++) { let s = 0; for (let d = 0; d < D; d++) s += wh.M[o * D + d]! * x[d]!; res[o]![r] = s * scale; }
  }
  return res;
}
