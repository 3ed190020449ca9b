// A text's length as one hashed feature of the n-gram bag (hashed-ngrams.ts option `length_weight`).
// The bag is L2-normalised inside the graph, so on its own it cannot tell a two-word question from a
// 300-word request; for intent the long real-chat prompts (creative writing above all) and the short
// NQ / small-talk questions differ in exactly that. One feature per text: the bucket
// floor(log2(1 + word tokens)), capped at 15, hashed under its own tag so it shares no n-gram's id
// by construction (only by a hash collision, like any two n-grams).
//   length: units 'n', String(bucket)   (same FNV-1a state, fmix32 and bucket mask as the n-grams)
// Training (models/train, through HashedNgramsEncoder) and serving call these same functions.
import { FNV_PRIME } from './hash.ts';

export const MAX_LENGTH_BUCKET = 15;

/** floor(log2(1 + wordTokens)) capped at MAX_LENGTH_BUCKET; integer arithmetic, so exact everywhere. */
export function lengthBucket(wordTokens: number): number {
  return Math.min(MAX_LENGTH_BUCKET, 31 - Math.clz32(1 + Math.min(wordTokens, 2 ** 30)));
}

/** Word tokens among the first `ntok` token spans (`words[i]` is 1 for a word token, 0 for a symbol). */
export function countWordTokens(words: Uint8Array, ntok: number): number {
  let n = 0;
  for (let i = 0; i < ntok; i++) n += words[i]!;
  return n;
}

/**
 * FNV-1a state of the length feature from the featurizer's initial state `h0` (FNV offset ^ seed),
 * before fmix32 and the bucket mask, which the caller applies as for every n-gram.
 */
export function lengthBucketHash(h0: number, wordTokens: number): number {
  let h = Math.imul(h0 ^ 0x6e, FNV_PRIME);
  const s = String(lengthBucket(wordTokens));
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), FNV_PRIME);
  return h;
}
