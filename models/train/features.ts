// Featurise a corpus exactly as serving does: the shared encoder gives ids + weights, then the
// graph's math (weights * fp16(idf), L2 normalisation) is applied here so training sees the
// same numbers the exported model will.
import { HashedNgramsEncoder, parseHashedNgramsParams, type HashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';
import { fromFloat16Bits, toFloat16Bits } from './onnx-builder.ts';

export interface Csr {
  rows: number;
  ptr: Int32Array; // rows + 1
  idx: Int32Array;
  val: Float32Array;
}

/** The rows of X where keep[r] is true, in order. */
export function pickRows(X: Csr, keep: boolean[]): Csr {
  const ptr = [0], idx: number[] = [], val: number[] = [];
  for (let r = 0; r < X.rows; r++) {
    if (!keep[r]) continue;
    for (let k = X.ptr[r]; k < X.ptr[r + 1]; k++) idx.push(X.idx[k]), val.push(X.val[k]);
    ptr.push(idx.length);
  }
  return { rows: ptr.length - 1, ptr: Int32Array.from(ptr), idx: Int32Array.from(idx), val: Float32Array.from(val) };
}

export function encodeCorpus(texts: string[], params: HashedNgramsParams, maxLength: number): Csr {
  const enc = new HashedNgramsEncoder(parseHashedNgramsParams({ ...params }), maxLength);
  const ptr = new Int32Array(texts.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  texts.forEach((t, i) => {
    const r = enc.run(t);
    for (let k = 0; k < r.length; k++) {
      idx.push(r.ids[k]);
      val.push(r.weights[k]);
    }
    ptr[i + 1] = idx.length;
  });
  return { rows: texts.length, ptr, idx: Int32Array.from(idx), val: Float32Array.from(val) };
}

/** Smoothed IDF ln((1+N)/(1+df)) + 1, raised to `power`, rounded to fp16 as shipped. */
export function computeIdf(csr: Csr, buckets: number, power = 1): Float32Array {
  const df = new Float64Array(buckets);
  for (let k = 0; k < csr.idx.length; k++) df[csr.idx[k]]++;
  const idf = new Float32Array(buckets);
  const n = csr.rows;
  for (let v = 0; v < buckets; v++) idf[v] = (Math.log((1 + n) / (1 + df[v])) + 1) ** power;
  return fromFloat16Bits(toFloat16Bits(idf));
}

/** In-place: val = weight * idf, then each row L2-normalised (eps as in the graph). */
export function applyTfidf(csr: Csr, idf: Float32Array): Csr {
  const val = new Float32Array(csr.val.length);
  for (let r = 0; r < csr.rows; r++) {
    let ss = 0;
    for (let k = csr.ptr[r]; k < csr.ptr[r + 1]; k++) {
      const x = csr.val[k] * idf[csr.idx[k]];
      val[k] = x;
      ss += x * x;
    }
    const norm = Math.sqrt(Math.max(ss, 1e-12));
    for (let k = csr.ptr[r]; k < csr.ptr[r + 1]; k++) val[k] /= norm;
  }
  return { ...csr, val };
}

/** ln of each row's TF-IDF norm before normalisation (the graph's x_norm): a length signal the L2-normalised bag hides. */
export function logNorms(csr: Csr, idf: Float32Array): Float32Array {
  const out = new Float32Array(csr.rows);
  for (let r = 0; r < csr.rows; r++) {
    let ss = 0;
    for (let k = csr.ptr[r]; k < csr.ptr[r + 1]; k++) {
      const x = csr.val[k] * idf[csr.idx[k]];
      ss += x * x;
    }
    out[r] = Math.log(Math.sqrt(Math.max(ss, 1e-12)));
  }
  return out;
}

/** Appends dense per-row features as extra columns `base + j` (rows of the table past the hashed buckets). */
export function appendDense(csr: Csr, base: number, dense: Float32Array[]): Csr {
  const k = dense.length;
  const ptr = new Int32Array(csr.rows + 1);
  const idx = new Int32Array(csr.idx.length + csr.rows * k);
  const val = new Float32Array(idx.length);
  let o = 0;
  for (let r = 0; r < csr.rows; r++) {
    for (let q = csr.ptr[r]; q < csr.ptr[r + 1]; q++) (idx[o] = csr.idx[q]), (val[o++] = csr.val[q]);
    for (let j = 0; j < k; j++) (idx[o] = base + j), (val[o++] = dense[j][r]);
    ptr[r + 1] = o;
  }
  return { rows: csr.rows, ptr, idx, val };
}
