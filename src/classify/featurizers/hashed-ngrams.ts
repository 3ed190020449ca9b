// Hashed word/char n-gram featurizer shared by training (models/train) and serving.
//
// Text -> two feeds: `ids` (int64 [1, L], hashed n-gram buckets, unique, in order of first
// occurrence) and `weights` (float32 [1, L], group weight x term-frequency transform). IDF and L2
// normalisation live in the ONNX graph, so the featurizer needs no tables and every parameter fits
// in manifest.json.
//
// Hash (documented so any runtime can reproduce it): FNV-1a 32-bit over UTF-16 code units, initial
// state 2166136261 XOR seed, then murmur3's fmix32 finaliser, bucket = h & (buckets - 1).
//   word n-gram: units 'w', String(n), token_1, ' ', token_2, ... token_n
//   char n-gram: units 'c', the n code units of '<' + token + '>'
//   length:      units 'n', String(floor(log2(1 + word tokens)), max 15), one per text, only when
//                length_weight > 0 (length-bucket.ts)
// Tokens are maximal runs of letters, numbers, marks and '_' (after optional lowercasing and
// folding of ASCII digits to '0'), except that each Han / Hiragana / Katakana character is a word
// token of its own; every other visible code point is a one-symbol token. Control and format
// characters and separators split tokens and are otherwise ignored.
import type { Featurizer, Features, PackManifest } from '../types.ts';
import { fmix32, FNV_OFFSET, FNV_PRIME } from './hash.ts';
import { parseWordVectorParams, WordVectorEncoder, wordVectorFeeds, type WordVectorParams } from './word-vectors.ts';
import { codePointClasser } from './code-point-classes.ts';
import { DistinctIds } from './distinct-ids.ts';
import { countWordTokens, lengthBucketHash } from './length-bucket.ts';

export interface HashedNgramsParams {
  seed: number;
  /** Power of two; ids are in [0, buckets). */
  buckets: number;
  lowercase: boolean;
  fold_digits: boolean;
  /** Weight per word n-gram order: word_weights[n-1] for n-grams of n tokens; 0 or absent = off. */
  word_weights: number[];
  /** Inclusive char n-gram range over '<token>' (symbol tokens excluded); null = off. */
  char_ngrams: [number, number] | null;
  char_weight: number;
  /** Char n-grams are taken from at most this many code units of a token (bounds work on blobs). */
  char_max_token: number;
  tf: 'sublinear' | 'binary' | 'raw';
  /** Input is cut to this many UTF-16 code units before tokenising (bounds work on 1 MB input). */
  max_chars: number;
  /** Optional: also emit word-vector ids and counts (word-vectors.ts) as manifest.inputs[2..3]. */
  word_vectors?: WordVectorParams | null;
  /** Optional: weight of one length-bucket feature per text (length-bucket.ts); absent or 0 = off. */
  length_weight?: number;
}

export const DEFAULT_HASHED_NGRAMS: HashedNgramsParams = {
  seed: 1,
  buckets: 1 << 18,
  lowercase: true,
  fold_digits: true,
  word_weights: [1, 1],
  char_ngrams: [3, 5],
  char_weight: 0.5,
  char_max_token: 24,
  tf: 'sublinear',
  max_chars: 8192,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function parseHashedNgramsParams(raw: Record<string, unknown>): HashedNgramsParams {
  const p = { ...DEFAULT_HASHED_NGRAMS, ...raw } as HashedNgramsParams;
  const fail = (field: string, why: string): never => {
    throw new Error(`hashed-ngrams featurizer: field "${field}" ${why}`);
  };
  if (!Number.isInteger(p.buckets) || p.buckets < 2 || p.buckets > 2 ** 30 || (p.buckets & (p.buckets - 1)) !== 0)
    fail('buckets', 'must be a power of two between 2 and 2^30');
  if (!Number.isInteger(p.seed)) fail('seed', 'must be an integer');
  if (!Array.isArray(p.word_weights) || p.word_weights.some((w) => typeof w !== 'number' || !(w >= 0)))
    fail('word_weights', 'must be an array of non-negative numbers');
  if (p.char_ngrams !== null) {
    const c = p.char_ngrams;
    if (!Array.isArray(c) || c.length !== 2 || !Number.isInteger(c[0]) || !Number.isInteger(c[1]) || c[0] < 1 || c[1] < c[0])
      fail('char_ngrams', 'must be null or [min, max] with 1 <= min <= max');
  }
  if (!(p.char_weight >= 0)) fail('char_weight', 'must be >= 0');
  if (!Number.isInteger(p.char_max_token) || p.char_max_token < 1) fail('char_max_token', 'must be a positive integer');
  if (!['sublinear', 'binary', 'raw'].includes(p.tf)) fail('tf', 'must be sublinear, binary or raw');
  if (!Number.isInteger(p.max_chars) || p.max_chars < 1) fail('max_chars', 'must be a positive integer');
  if (p.word_vectors != null) p.word_vectors = parseWordVectorParams(p.word_vectors);
  if (p.length_weight != null && !(typeof p.length_weight === 'number' && p.length_weight >= 0 && p.length_weight < Infinity))
    fail('length_weight', 'must be a non-negative number');
  return p;
}

// Word characters include '_' (identifiers in code stay one token).
const cpClass = codePointClasser(/^[\p{L}\p{N}\p{M}_]$/u);

/** Token boundaries, reused across calls: [start, end) code-unit offsets and whether it is a word. */
export interface TokenSpans {
  starts: Int32Array;
  ends: Int32Array;
  words: Uint8Array;
}

export function newTokenSpans(capacity = 256): TokenSpans {
  return { starts: new Int32Array(capacity), ends: new Int32Array(capacity), words: new Uint8Array(capacity) };
}

function pushToken(sp: TokenSpans, k: number, start: number, end: number, word: boolean): void {
  if (k >= sp.starts.length) {
    const grow = (a: Int32Array) => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
    sp.starts = grow(sp.starts);
    sp.ends = grow(sp.ends);
    const w = new Uint8Array(sp.words.length * 2);
    w.set(sp.words);
    sp.words = w;
  }
  sp.starts[k] = start;
  sp.ends[k] = end;
  sp.words[k] = word ? 1 : 0;
}

/** Token boundaries of (already lowercased) text into `sp` (grown as needed); returns the count. */
export function scanTokens(t: string, sp: TokenSpans): number {
  const n = t.length;
  let k = 0;
  let i = 0;
  let wordStart = -1;
  while (i < n) {
    const u = t.charCodeAt(i);
    let cp = u;
    let w = 1;
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
      const v = t.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) {
        cp = ((u - 0xd800) << 10) + (v - 0xdc00) + 0x10000;
        w = 2;
      }
    }
    const cls = cpClass(cp);
    if (cls === 1) {
      if (wordStart < 0) wordStart = i;
    } else {
      if (wordStart >= 0) {
        pushToken(sp, k++, wordStart, i, true);
        wordStart = -1;
      }
      if (cls === 3 || cls === 4) pushToken(sp, k++, i, i + w, cls === 4);
    }
    i += w;
  }
  if (wordStart >= 0) pushToken(sp, k++, wordStart, n, true);
  return k;
}

const TF_TABLE = 64;

// The cut, case-folded text and token spans of the last call of any encoder. A request's text is
// encoded twice with different hash parameters but the same cut and case (domain/jailbreak share one
// encode, the embedding pack has its own), so the second scan is skipped. Read-only once made;
// encoders run synchronously, so one slot shared by all of them is safe.
const lastScan: { text: string | null; maxChars: number; lowercase: boolean; t: string; ntok: number; spans: TokenSpans } = {
  text: null, maxChars: -1, lowercase: false, t: '', ntok: 0, spans: newTokenSpans(),
};

function tfOf(mode: HashedNgramsParams['tf'], c: number): number {
  // sublinear: 1 + log(1) is exactly 1
  return mode === 'binary' ? 1 : mode === 'raw' ? c : c === 1 ? 1 : 1 + Math.log(c);
}

/**
 * Stateful encoder: keeps a reusable open-addressing table and unit buffers so a request
 * allocates only its output. Not re-entrant, which is fine: encode() is synchronous.
 */
export class HashedNgramsEncoder {
  readonly params: HashedNgramsParams;
  readonly maxLength: number;
  private readonly h0: number;
  private readonly mask: number;
  private readonly d: DistinctIds;
  /** Weight of each distinct id's n-gram kind (word order or char), by slot. */
  private readonly gw: Float32Array;
  private units = new Uint16Array(1024);
  /** '<' + token + '>' of the token whose char n-grams are being hashed. */
  private readonly bracketed: Uint16Array;
  /** Term-frequency factor by count for counts below TF_TABLE (the same doubles as computed). */
  private readonly tfTable: Float64Array;

  constructor(params: HashedNgramsParams, maxLength: number) {
    this.params = params;
    this.maxLength = maxLength;
    this.h0 = (FNV_OFFSET ^ params.seed) >>> 0;
    this.mask = params.buckets - 1;
    this.d = new DistinctIds(maxLength);
    this.gw = new Float32Array(maxLength);
    this.bracketed = new Uint16Array(params.char_max_token + 2);
    this.tfTable = Float64Array.from({ length: TF_TABLE }, (_, c) => tfOf(params.tf, c));
  }

  // Hot: called a few thousand times per request.
  private add(h: number, weight: number): void {
    const slot = this.d.add(fmix32(h) & this.mask);
    if (slot >= 0) this.gw[slot] = weight;
  }

  /** Unique ids and weights of one text (views valid until the next call). */
  run(text: string): { ids: Int32Array; weights: Float32Array; length: number; truncated: boolean } {
    const p = this.params;
    if (typeof text !== 'string') text = text == null ? '' : String(text);
    let truncated = text.length > p.max_chars;
    const L = lastScan;
    let t = L.t;
    let ntok = L.ntok;
    if (text !== L.text || p.max_chars !== L.maxChars || p.lowercase !== L.lowercase) {
      // Unkeyed while the spans are rewritten (a throw mid-scan must not leave them under the old key).
      L.text = null;
      const cut = truncated ? text.slice(0, p.max_chars) : text;
      t = p.lowercase ? cut.toLowerCase() : cut;
      ntok = scanTokens(t, L.spans);
      // A huge input is not kept alive for the next call (it would only save the scan of its cut);
      // nor is its cut, a slice of it that pins the whole text (V8 sliced strings).
      const keep = text.length <= 4 * p.max_chars;
      L.t = keep ? t : '';
      L.ntok = ntok;
      L.maxChars = p.max_chars;
      L.lowercase = p.lowercase;
      L.text = keep ? text : null;
    }
    const { starts, ends, words } = L.spans;
    const d = this.d;
    d.reset();
    // Folded code units, read by every n-gram hash below.
    if (this.units.length < t.length) this.units = new Uint16Array(Math.max(t.length, 2 * this.units.length));
    const U = this.units;
    const fold = p.fold_digits;
    for (let k = 0; k < t.length; k++) {
      const u = t.charCodeAt(k);
      U[k] = fold && u >= 0x30 && u <= 0x39 ? 0x30 : u;
    }
    const ww = p.word_weights;
    const cr = p.char_ngrams && p.char_weight > 0 ? p.char_ngrams : null;
    const hw = Math.imul(this.h0 ^ 0x77, FNV_PRIME);
    const hc = Math.imul(this.h0 ^ 0x63, FNV_PRIME);
    const cmin = cr ? cr[0] : 0, cmax = cr ? cr[1] : 0, cw = p.char_weight, cmaxTok = p.char_max_token;
    const B = this.bracketed;
    // First, so the cap on distinct ids never drops it: the length of a long text is what it says.
    const lw = p.length_weight ?? 0;
    if (lw > 0) this.add(lengthBucketHash(this.h0, countWordTokens(words, ntok)), lw);
    for (let i = 0; i < ntok && !d.full; i++) {
      for (let n = 1; n <= ww.length && i + n <= ntok; n++) {
        const w = ww[n - 1]!;
        if (!(w > 0)) continue;
        let h = Math.imul(hw ^ (0x30 + n), FNV_PRIME);
        for (let k = 0; k < n; k++) {
          if (k > 0) h = Math.imul(h ^ 0x20, FNV_PRIME);
          for (let j = starts[i + k]!, e = ends[i + k]!; j < e; j++) h = Math.imul(h ^ U[j]!, FNV_PRIME);
        }
        this.add(h, w);
      }
      if (cr && words[i] === 1) {
        // '<' + token (first char_max_token units) + '>' in a scratch buffer; each start position
        // extends one hash through lengths cmin..cmax.
        const s0 = starts[i]!;
        const len = Math.min(ends[i]! - s0, cmaxTok) + 2;
        B[0] = 0x3c;
        for (let v = 1; v < len - 1; v++) B[v] = U[s0 + v - 1]!;
        B[len - 1] = 0x3e;
        for (let a = 0; a + cmin <= len; a++) {
          let h = hc;
          for (let v = a, pre = a + cmin - 1; v < pre; v++) h = Math.imul(h ^ B[v]!, FNV_PRIME);
          for (let v = a + cmin - 1, stop = Math.min(a + cmax, len); v < stop; v++) {
            h = Math.imul(h ^ B[v]!, FNV_PRIME);
            this.add(h, cw);
          }
        }
      }
    }
    truncated = truncated || d.full;
    const n = d.n;
    const counts = d.counts;
    const weights = new Float32Array(n);
    const tfTable = this.tfTable;
    const gw = this.gw;
    // Every tf mode maps a count of one to exactly 1, so most weights are the group weight as is.
    weights.set(gw.subarray(0, n));
    for (let k = 0; k < n; k++) {
      const c = counts[k]!;
      if (c !== 1) weights[k] = gw[k]! * (c < TF_TABLE ? tfTable[c]! : tfOf(p.tf, c));
    }
    return { ids: d.ids.subarray(0, n), weights, length: n, truncated };
  }
}

export function createHashedNgramsFeaturizer(params: Record<string, unknown>, manifest: PackManifest): Featurizer {
  const p = parseHashedNgramsParams(params);
  const maxLength = manifest.max_length;
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new Error(`hashed-ngrams featurizer: manifest field "max_length" must be a positive integer (pack ${manifest.name})`);
  const [idsName = 'ids', weightsName = 'weights', wvIdsName = 'wv_ids', wvWeightsName = 'wv_weights'] = manifest.inputs ?? [];
  const enc = new HashedNgramsEncoder(p, maxLength);
  const wv = p.word_vectors ? new WordVectorEncoder(p.word_vectors, maxLength, p.max_chars) : null;
  return {
    type: 'hashed-ngrams',
    encode(text: string): Features {
      const r = enc.run(text);
      // Empty input still gets one position (bucket 0, weight 0) so the graph sees a non-empty
      // axis and answers with its bias alone.
      const len = Math.max(1, r.length);
      const ids = new BigInt64Array(len);
      // ids are < 2^30, so the little-endian low word is the id and the high word stays 0;
      // this avoids one BigInt allocation per feature on the request path.
      if (LITTLE_ENDIAN) {
        const lo = new Int32Array(ids.buffer);
        for (let k = 0; k < r.length; k++) lo[2 * k] = r.ids[k];
      } else {
        for (let k = 0; k < r.length; k++) ids[k] = BigInt(r.ids[k]);
      }
      const weights = r.length ? r.weights : new Float32Array(1);
      const feeds: Features['feeds'] = {
        [idsName]: { type: 'int64', data: ids, dims: [1, len] },
        [weightsName]: { type: 'float32', data: weights, dims: [1, len] },
      };
      if (!wv) return { feeds, length: r.length, truncated: r.truncated };
      const v = wv.run(text);
      [feeds[wvIdsName], feeds[wvWeightsName]] = wordVectorFeeds(v.ids, v.counts);
      return { feeds, length: r.length, truncated: r.truncated || v.truncated };
    },
  };
}
