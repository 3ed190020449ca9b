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
