// The word-vector half of the embedding pack: SIF (smooth inverse frequency, Arora et al. 2017)
// weighted sums of pretrained GloVe vectors with the common components removed.
//   sentence s = sum_w count_w * a/(a + p(w)) * g_w        (over the featurizer's word-vector tokens)
//   s' = s . M,  M = eigenvectors k+1..k+d of S = sum_texts s s^T  (uncentred, own train texts)
// Dropping the top k eigenvectors is SIF's common-component removal (the directions every question
// shares: "what", "how", question-ness); keeping the next d is PCA to d dims. Both are linear, so
// they fold into the table: row b = a/(a + p(w_b)) * g_{w_b} . M, and the graph only sums rows.
// Rows are indexed by the serving featurizer's hashed word id (src/classify/featurizers/
// word-vectors.ts); a bucket belongs to the token most likely to occur there (p = mean of the own-data
// frequency and a Zipf estimate from the GloVe rank), so frequent words keep their vector and a
// frequent token GloVe lacks ("'s", numbers) keeps its bucket empty instead of borrowing a vector.
import { wordVectorId, wordVectorTokens, type WordVectorParams } from '../../src/classify/featurizers/word-vectors.ts';
import { encodeWv, symEig, type WvRows } from './word-vectors.ts';
export { encodeWv, type WvRows };
import type { Glove } from './glove.ts';

export interface WordStats {
  counts: Map<string, number>;
  total: number;
}

export function wordStats(texts: string[], maxChars: number): WordStats {
  const counts = new Map<string, number>();
  let total = 0;
  for (const t of texts) for (const w of wordVectorTokens(t, maxChars)) counts.set(w, (counts.get(w) ?? 0) + 1), total++;
  return { counts, total };
}

export type PSource = 'own' | 'mix';

/** Zipf estimate of p(w) from the GloVe rank r: 1 / ((r + 1) * H_V), H_V ~ ln V + gamma; 0 for words GloVe lacks. */
function zipfProb(glove: Glove): (w: string) => number {
  const zipfNorm = Math.log(glove.words.length) + 0.5772;
  return (w) => { const r = glove.index.get(w); return r === undefined ? 0 : 1 / ((r + 1) * zipfNorm); };
}

/** p(w): own-data frequency (add-one), or its mean with a Zipf estimate from the GloVe rank. */
export function wordProb(glove: Glove, st: WordStats, source: PSource): (w: string) => number {
  const zipf = zipfProb(glove);
  const own = (w: string) => ((st.counts.get(w) ?? 0) + 1) / st.total;
  return source === 'own' ? own : (w) => (own(w) + zipf(w)) / 2;
}

export interface Placement {
  /** GloVe rank of each bucket's word, -1 = empty (no vector). */
  owner: Int32Array;
  words: number;
  /** Tokens GloVe has that lost their bucket to a likelier token. */
  lost: number;
}

/** Buckets for the `topWords` most frequent GloVe words plus every token seen in own data. */
export function placeWords(glove: Glove, st: WordStats, params: WordVectorParams, topWords: number): Placement {
  const zipf = zipfProb(glove);
  // wordProb's 'mix' without the add-one: a token never seen in own data ranks by GloVe alone
  const prio = (w: string) => ((st.counts.get(w) ?? 0) / st.total + zipf(w)) / 2;
  const cand = new Set<string>(glove.words.slice(0, topWords));
  for (const w of st.counts.keys()) cand.add(w);
  const order = [...cand].sort((x, y) => prio(y) - prio(x) || (x < y ? -1 : 1));
  const owner = new Int32Array(params.buckets).fill(-1);
  const taken = new Uint8Array(params.buckets);
  let words = 0, lost = 0;
  for (const w of order) {
    const b = wordVectorId(w, params);
    const r = glove.index.get(w);
    if (taken[b]) { if (r !== undefined) lost++; continue; }
    taken[b] = 1;
    if (r !== undefined) (owner[b] = r), words++;
  }
  return { owner, words, lost };
}

/** Full-width (GloVe dim) SIF rows per bucket: a/(a + p(w)) * g_w, zero for empty buckets. */
export function sifRows(glove: Glove, pl: Placement, p: (w: string) => number, a: number): Float32Array {
  const D = glove.dim, R = pl.owner.length;
  const out = new Float32Array(R * D);
  for (let b = 0; b < R; b++) {
    const r = pl.owner[b]!;
    if (r < 0) continue;
    const wt = a / (a + p(glove.words[r]!));
    for (let d = 0; d < D; d++) out[b * D + d] = wt * glove.vectors[r * D + d]!;
  }
  return out;
}

/** Sentence vectors sum_i count_i * rows[id_i] (dim columns), not normalised. */
export function sumRows(x: WvRows, rows: Float32Array, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0; r < x.rows; r++) {
    const v = new Float32Array(dim);
    for (let k = x.ptr[r]!; k < x.ptr[r + 1]!; k++) {
      const o = x.ids[k]! * dim, c = x.counts[k]!;
      for (let d = 0; d < dim; d++) v[d] += c * rows[o + d]!;
    }
    out.push(v);
  }
  return out;
}

/** Eigenvectors of a symmetric n x n matrix (cyclic Jacobi), columns sorted by eigenvalue, largest first. */
export function eigSym(S: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const { w, V } = symEig(S, n, 1e-22);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => w[j]! - w[i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => { for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src]!; });
  return { values: order.map((i) => w[i]!), vectors };
}

/**
 * M [D, d]: eigenvectors k..k+d-1 of the uncentred second moment of the (L2-normalised, so long
 * texts do not dominate) training sentence vectors.
 */
export function commonRemovalProjection(train: Float32Array[], D: number, k: number, d: number): { M: Float32Array; values: number[] } {
  const S = new Float64Array(D * D);
  for (const v of train) {
    let n = 0;
    for (const x of v) n += x * x;
    if (n === 0) continue;
    const inv = 1 / n;
    for (let i = 0; i < D; i++) { const vi = v[i]! * inv; if (vi !== 0) for (let j = 0; j < D; j++) S[i * D + j] += vi * v[j]!; }
  }
  const { values, vectors } = eigSym(S, D);
  const M = new Float32Array(D * d);
  for (let i = 0; i < D; i++) for (let j = 0; j < d; j++) M[i * d + j] = vectors[i * D + k + j]!;
  return { M, values };
}

/** rows [R, D] . M [D, d] -> [R, d]. */
export function projectRows(rows: Float32Array, R: number, D: number, M: Float32Array, d: number): Float32Array {
  const out = new Float32Array(R * d);
  for (let b = 0; b < R; b++) {
    const o = b * D;
    let any = false;
    for (let i = 0; i < D; i++) if (rows[o + i] !== 0) { any = true; break; }
    if (!any) continue;
    for (let i = 0; i < D; i++) {
      const x = rows[o + i]!;
      for (let j = 0; j < d; j++) out[b * d + j] += x * M[i * d + j]!;
    }
  }
  return out;
}
