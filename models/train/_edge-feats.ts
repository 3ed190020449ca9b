// Position-tagged edge features for the hashed n-gram bag, computed on the training side only
// (_edge-exp.ts; the edge n-grams are not in the serving featurizer: adopt them by moving them into
// src/classify/featurizers/ as a default-off manifest option of hashed-ngrams.ts, as the length bucket was:
// its hash is src/classify/featurizers/length-bucket.ts, called here and by the serving encoder
// (option length_weight), which the intent pack uses since session 17).
// A chat prompt usually states what it wants ("write a poem", "solve", "implement") in its first or last
// words, where a bag of n-grams over a long text drowns it; the word n-grams of the first and of the last
// `edge_words` word tokens are also emitted under their own tag, so "first: write" hashes apart from
// "write" anywhere. Symbol tokens are skipped (an edge bigram may span a full stop).
//   edge n-gram: units 'e', 'f' (first) or 'l' (last), String(n), token_1, ' ', ..., token_n
//   length:      units 'n', String(floor(log2(1 + word tokens))) capped at 15 (one per text)
// Same FNV-1a + fmix32 hash, cut, case and digit folding as the other n-grams (hashed-ngrams.ts).
import { FNV_OFFSET, FNV_PRIME, fmix32 } from '../../src/classify/featurizers/hash.ts';
import { countWordTokens, lengthBucketHash } from '../../src/classify/featurizers/length-bucket.ts';
import { newTokenSpans, scanTokens, type HashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';
import type { Csr } from './features.ts';

export interface EdgeParams {
  /** Word tokens taken from each end; 0 = off. */
  edge_words: number;
  /** Weight per edge n-gram order (edge_weights[n-1] for n tokens); 0 = off. */
  edge_weights: number[];
  /** Weight of the one length-bucket feature; 0 = off. */
  length_weight: number;
}

/**
 * Emits the edge and length features through `add(hash, weight)`. `U` holds the folded code units,
 * `starts`/`ends`/`words` the token spans of the text; `scratch` must hold 2 * edge_words ints.
 */
export function addEdgeFeatures(
  p: Partial<EdgeParams>, h0: number, U: Uint16Array, starts: Int32Array, ends: Int32Array, words: Uint8Array, ntok: number,
  scratch: Int32Array, add: (h: number, w: number) => void,
): void {
  const K = p.edge_words ?? 0, ew = p.edge_weights ?? [];
  const nw = countWordTokens(words, ntok);
  if (K > 0) {
    // first K word tokens into scratch[0..nf), last K (in text order) into scratch[K..K+nl)
    let nf = 0;
    for (let i = 0; i < ntok && nf < K; i++) if (words[i] === 1) scratch[nf++] = i;
    let nl = 0;
    for (let i = ntok - 1; i >= 0 && nl < K; i--) if (words[i] === 1) nl++;
    for (let i = ntok - 1, j = nl; i >= 0 && j > 0; i--) if (words[i] === 1) scratch[K + --j] = i;
    const he = Math.imul(h0 ^ 0x65, FNV_PRIME);
    for (const [tag, off, cnt] of [[0x66, 0, nf], [0x6c, K, nl]] as const) {
      const ht = Math.imul(he ^ tag, FNV_PRIME);
      for (let a = 0; a < cnt; a++)
        for (let n = 1; n <= ew.length && a + n <= cnt; n++) {
          const w = ew[n - 1]!;
          if (!(w > 0)) continue;
          let h = Math.imul(ht ^ (0x30 + n), FNV_PRIME);
          for (let k = 0; k < n; k++) {
            if (k > 0) h = Math.imul(h ^ 0x20, FNV_PRIME);
            const t = scratch[off + a + k]!;
            for (let j = starts[t]!, e = ends[t]!; j < e; j++) h = Math.imul(h ^ U[j]!, FNV_PRIME);
          }
          add(h, w);
        }
    }
  }
  const lw = p.length_weight ?? 0;
  if (lw > 0) add(lengthBucketHash(h0, nw), lw);
}

/**
 * The edge / length features of each text as a CSR block (ids in [0, buckets), weight x sublinear tf),
 * for the same featurizer params `fp` the base bag was encoded with.
 */
export function edgeCorpus(texts: string[], fp: HashedNgramsParams, e: Partial<EdgeParams>): Csr {
  const h0 = (FNV_OFFSET ^ fp.seed) >>> 0, mask = fp.buckets - 1;
  const sp = newTokenSpans();
  const scratch = new Int32Array(2 * (e.edge_words ?? 0));
  const ptr = new Int32Array(texts.length + 1), idx: number[] = [], val: number[] = [];
  const row = new Map<number, { n: number; w: number }>();
  const add = (h: number, w: number) => {
    const id = fmix32(h) & mask, o = row.get(id);
    if (o) o.n++;
    else row.set(id, { n: 1, w });
  };
  texts.forEach((text, r) => {
    const cut = text.length > fp.max_chars ? text.slice(0, fp.max_chars) : text;
    const t = fp.lowercase ? cut.toLowerCase() : cut;
    const ntok = scanTokens(t, sp);
    const U = Uint16Array.from({ length: t.length }, (_, k) => { const u = t.charCodeAt(k); return fp.fold_digits && u >= 0x30 && u <= 0x39 ? 0x30 : u; });
    row.clear();
    addEdgeFeatures(e, h0, U, sp.starts, sp.ends, sp.words, ntok, scratch, add);
    for (const [id, o] of row) idx.push(id), val.push(o.w * (o.n === 1 ? 1 : 1 + Math.log(o.n)));
    ptr[r + 1] = idx.length;
  });
  return { rows: texts.length, ptr, idx: Int32Array.from(idx), val: Float32Array.from(val) };
}

/**
 * Row-wise union of two CSR blocks over the same id space; a shared id (an edge n-gram hashed onto
 * a bucket the row already has) gets the sum of the weights. The serving featurizer would instead
 * count it once more under the first weight, and its max_length cap is not applied here: both touch
 * a handful of ids in a few rows.
 */
export function mergeCsr(a: Csr, b: Csr): Csr {
  const ptr = new Int32Array(a.rows + 1), idx: number[] = [], val: number[] = [];
  const at = new Map<number, number>();
  for (let r = 0; r < a.rows; r++) {
    at.clear();
    for (let q = a.ptr[r]; q < a.ptr[r + 1]; q++) at.set(a.idx[q], idx.length), idx.push(a.idx[q]), val.push(a.val[q]);
    for (let q = b.ptr[r]; q < b.ptr[r + 1]; q++) {
      const k = at.get(b.idx[q]);
      if (k !== undefined) val[k] += b.val[q];
      else idx.push(b.idx[q]), val.push(b.val[q]);
    }
    ptr[r + 1] = idx.length;
  }
  return { rows: a.rows, ptr, idx: Int32Array.from(idx), val: Float32Array.from(val) };
}
