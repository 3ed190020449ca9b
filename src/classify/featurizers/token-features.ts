// Per-token hashed features for token-classification packs (PII), shared by training and serving.
// Each word token gets a fixed number K of hashed feature ids (one per template); the graph sums
// their embedding rows. Hashes are computed once per token string and then mixed numerically per
// template, so the per-request cost is a handful of string hashes per token, not K.
import type { Features, Featurizer, PackManifest } from '../types.ts';
import { FNV_OFFSET, FNV_PRIME } from './hash.ts';
import { parseWordVectorParams, wordVectorId, type WordVectorParams } from './word-vectors.ts';
import { newWordSpans, scanWordSpans } from './token-spans.ts';

/** Feature templates, by name. A manifest lists the ones it uses, in order (= column order of the feed). */
export const TOKEN_FEATURE_TEMPLATES = [
  'bias', 'w', 'lw', 'shape', 'sshape', 'p1', 'p2', 'p3', 's2', 's3', 's4',
  'lw-1', 'lw+1', 'lw-2', 'lw+2', 'sshape-1|sshape|sshape+1', 'lw-1|lw', 'lw|lw+1',
  'wsb|sshape', 'wsa|sshape', 'len|sshape', 'shape-1', 'shape+1', 'lw-1|sshape', 'sshape|lw+1',
  'pos|sshape', 'lw-2|lw-1', 'lw+1|lw+2',
] as const;
export type TokenFeatureTemplate = (typeof TOKEN_FEATURE_TEMPLATES)[number];

export interface TokenFeatureParams {
  buckets: number;
  templates: TokenFeatureTemplate[];
  /** Graph input receiving the int32 ids, shape [1, T, K]. */
  input: string;
  /** Optional (manifest `word_vectors`): one hashed word-vector id per token, int32 [1, T], fed to manifest.inputs[1]. */
  wordVectors?: WordVectorParams & { input: string };
}

export interface Token {
  text: string;
  start: number;
  end: number;
}

/** Tokens longer than this are cut for hashing only (offsets stay exact); keeps the cost bounded. */
const MAX_HASHED_CHARS = 64;

const scratch = newWordSpans();

/**
 * Word tokens with UTF-16 offsets: alphanumeric runs (letters, marks, digits) or one other
 * non-space character (token-spans.ts); stops after `limit` tokens and says whether more text followed.
 */
export function tokenize(text: string, limit: number): { tokens: Token[]; truncated: boolean } {
  const sp = scanWordSpans(text, limit, scratch);
  const tokens: Token[] = [];
  for (let k = 0; k < sp.n; k++) tokens.push({ text: text.slice(sp.starts[k]!, sp.ends[k]!), start: sp.starts[k]!, end: sp.ends[k]! });
  return { tokens, truncated: sp.truncated };
}

function fnv1a(s: string, seed: number): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  const n = Math.min(s.length, MAX_HASHED_CHARS);
  for (let i = 0; i < n; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Word shape: X upper, x lower, d digit, other chars kept; runs longer than 4 cut to 4. */
export function wordShape(w: string): string {
  let out = '';
  let prev = '';
  let run = 0;
  const n = Math.min(w.length, MAX_HASHED_CHARS);
  for (let i = 0; i < n; i++) {
    const code = w.charCodeAt(i);
    let k: string;
    if (code >= 48 && code <= 57) k = 'd';
    else if (code >= 65 && code <= 90) k = 'X';
    else if (code >= 97 && code <= 122) k = 'x';
    else if (code < 128) k = w[i]!;
    else {
      // Non-ASCII: case from the Unicode case mapping; uncased letters (CJK, Arabic) are 'l'.
      const c = w[i]!;
      if (c !== c.toLowerCase()) k = 'X';
      else if (c !== c.toUpperCase()) k = 'x';
      else k = LETTER_RE.test(c) ? 'l' : c;
    }
    run = k === prev ? run + 1 : 1;
    prev = k;
    if (run <= 4) out += k;
  }
  return out;
}

const LETTER_RE = /\p{L}/u;

function shortShape(shape: string): string {
  let out = '';
  for (let i = 0; i < shape.length; i++) if (shape[i] !== shape[i - 1]) out += shape[i];
  return out;
}

const BOUNDARY = 0x5bd1e995; // stands in for the word before the first / after the last token

/** 0: no gap, 1: spaces, 2: a line break, 3: text edge. Scans at most 64 chars of the gap. */
function whitespaceClass(text: string, from: number, to: number, atEdge: boolean): number {
  if (atEdge) return 3;
  if (to <= from) return 0;
  const end = Math.min(to, from + 64);
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === 10) return 2;
  return 1;
}

const TEMPLATE_INDEX = new Map<string, number>(TOKEN_FEATURE_TEMPLATES.map((t, j) => [t, j]));
const S = Int32Array.from(TOKEN_FEATURE_TEMPLATES, (name) => fnv1a(name, 99));

// Everything below is int32 arithmetic: a uint32 above 2^31 is a heap number in V8 and `%` on
// it a floating-point fmod. `^` and Math.imul read their operands as int32, so the ids are the
// same as with uint32 values. mix32 is murmur3's fmix32 (hash.ts) over a combination of a and b,
// inlined and returning the int32 bits of fmix32's uint32.
function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

// Per word, the template hashes (or the inner mix of a combined template) that depend on that
// word alone, whether it is the token itself or one of its neighbours; the per-token loop then
// only mixes in the other words (10 mixes per token instead of 40). Row layout (int32):
const LW = 0, SS = 1; // raw lw and sshape hashes
const OWN = 2; // 10 entries: templates 1..10 (w, lw, shape, sshape, p1, p2, p3, s2, s3, s4)
const T20 = 12; // len|sshape
const I17 = 13; // mix(S17, lw): lw|lw+1 as the token
const I24 = 14; // mix(S24, sshape): sshape|lw+1 as the token
const T11 = 15, T21 = 16, I15 = 17, I16 = 18, I23 = 19; // as the previous word
const T12 = 20, T22 = 21, I27 = 22; // as the next word
const T13 = 23, I26 = 24; // as the word two before
const T14 = 25; // as the word two after
const ROW = 26;

/** The row of a word given its raw hashes; BOUNDARY for all three gives the text-edge row. */
function wordRow(lw: number, shape: number, sshape: number, own?: ArrayLike<number>, len = 0): Int32Array {
  const r = new Int32Array(ROW);
  r[LW] = lw;
  r[SS] = sshape;
  if (own) {
    for (let k = 0; k < 10; k++) r[OWN + k] = mix32(S[1 + k]!, own[k]!);
    r[T20] = mix32(mix32(S[20]!, len), sshape);
  }
  r[I17] = mix32(S[17]!, lw);
  r[I24] = mix32(S[24]!, sshape);
  r[T11] = mix32(S[11]!, lw);
  r[T21] = mix32(S[21]!, shape);
  r[I15] = mix32(S[15]!, sshape);
  r[I16] = mix32(S[16]!, lw);
  r[I23] = mix32(S[23]!, lw);
  r[T12] = mix32(S[12]!, lw);
  r[T22] = mix32(S[22]!, shape);
  r[I27] = mix32(S[27]!, lw);
  r[T13] = mix32(S[13]!, lw);
  r[I26] = mix32(S[26]!, lw);
  r[T14] = mix32(S[14]!, lw);
  return r;
}

const EDGE_ROW = wordRow(BOUNDARY, BOUNDARY, BOUNDARY);
const C0 = mix32(S[0]!, 0);
const C18 = Int32Array.from([0, 1, 2, 3], (v) => mix32(S[18]!, v));
const C19 = Int32Array.from([0, 1, 2, 3], (v) => mix32(S[19]!, v));
const C25 = Int32Array.from([0, 1, 2, 3], (v) => mix32(S[25]!, v));

// Word rows depend only on the word, and requests repeat words ("the", "and", names within one
// request), so they are memoised; the cache is dropped when full, which keeps memory bounded
// without LRU bookkeeping. Results are identical with or without a hit.
const WORD_CACHE_MAX = 8192;
const wordCache = new Map<string, Int32Array>();

function hashWord(w: string): Int32Array {
  const hit = wordCache.get(w);
  if (hit) return hit;
  const lw = w.toLowerCase();
  const shapeText = wordShape(w);
  const shape = fnv1a(shapeText, 3);
  const sshape = fnv1a(shortShape(shapeText), 4);
  const own = [
    fnv1a(w, 1), fnv1a(lw, 2), shape, sshape,
    fnv1a(lw.slice(0, 1), 5), fnv1a(lw.slice(0, 2), 6), fnv1a(lw.slice(0, 3), 7),
    fnv1a(lw.slice(-2), 8), fnv1a(lw.slice(-3), 9), fnv1a(lw.slice(-4), 10),
  ];
  const row = wordRow(own[1]!, shape, sshape, own, Math.min(w.length, 12));
  if (w.length <= MAX_HASHED_CHARS) {
    if (wordCache.size >= WORD_CACHE_MAX) wordCache.clear();
    wordCache.set(w, row);
  }
  return row;
}

/**
 * Hashes of every template for token i of n, ANDed with `mask` (-1: raw int32), into out[o..o+28);
 * `rows` holds the word rows (stride ROW).
 */
function allTemplateHashes(out: Int32Array, o: number, mask: number, rows: Int32Array, i: number, n: number, wsb: number, wsa: number): void {
  const h = i * ROW;
  const p = i > 0 ? h - ROW : -1;
  const q = i + 1 < n ? h + ROW : -1;
  const p2 = i > 1 ? h - 2 * ROW : -1;
  const q2 = i + 2 < n ? h + 2 * ROW : -1;
  const E = EDGE_ROW;
  const lwH = rows[h + LW]!;
  const ssH = rows[h + SS]!;
  const lwP = p >= 0 ? rows[p + LW]! : E[LW]!;
  const lwQ = q >= 0 ? rows[q + LW]! : E[LW]!;
  const ssQ = q >= 0 ? rows[q + SS]! : E[SS]!;
  out[o] = C0 & mask; // bias
  for (let k = 0; k < 10; k++) out[o + 1 + k] = rows[h + OWN + k]! & mask; // w lw shape sshape p1 p2 p3 s2 s3 s4
  out[o + 11] = (p >= 0 ? rows[p + T11]! : E[T11]!) & mask; // lw-1
  out[o + 12] = (q >= 0 ? rows[q + T12]! : E[T12]!) & mask; // lw+1
  out[o + 13] = (p2 >= 0 ? rows[p2 + T13]! : E[T13]!) & mask; // lw-2
  out[o + 14] = (q2 >= 0 ? rows[q2 + T14]! : E[T14]!) & mask; // lw+2
  out[o + 15] = mix32(mix32(p >= 0 ? rows[p + I15]! : E[I15]!, ssH), ssQ) & mask; // sshape-1|sshape|sshape+1
  out[o + 16] = mix32(p >= 0 ? rows[p + I16]! : E[I16]!, lwH) & mask; // lw-1|lw
  out[o + 17] = mix32(rows[h + I17]!, lwQ) & mask; // lw|lw+1
  out[o + 18] = mix32(C18[wsb]!, ssH) & mask; // wsb|sshape
  out[o + 19] = mix32(C19[wsa]!, ssH) & mask; // wsa|sshape
  out[o + 20] = rows[h + T20]! & mask; // len|sshape
  out[o + 21] = (p >= 0 ? rows[p + T21]! : E[T21]!) & mask; // shape-1
  out[o + 22] = (q >= 0 ? rows[q + T22]! : E[T22]!) & mask; // shape+1
  out[o + 23] = mix32(p >= 0 ? rows[p + I23]! : E[I23]!, ssH) & mask; // lw-1|sshape
  out[o + 24] = mix32(rows[h + I24]!, lwQ) & mask; // sshape|lw+1
  out[o + 25] = mix32(C25[Math.min(i, 3)]!, ssH) & mask; // pos|sshape
  out[o + 26] = mix32(p2 >= 0 ? rows[p2 + I26]! : E[I26]!, lwP) & mask; // lw-2|lw-1
  out[o + 27] = mix32(q >= 0 ? rows[q + I27]! : E[I27]!, q2 >= 0 ? rows[q2 + LW]! : E[LW]!) & mask; // lw+1|lw+2
}

const ALL = TOKEN_FEATURE_TEMPLATES.length;
let rowScratch = new Int32Array(256 * ROW);

/** Index of each of the manifest's templates among all templates; null when it lists all, in order. */
function templatePick(templates: readonly string[]): Int32Array | null {
  const pick = new Int32Array(templates.length);
  let identity = templates.length === ALL;
  for (let k = 0; k < templates.length; k++) {
    pick[k] = TEMPLATE_INDEX.get(templates[k]!)!;
    if (pick[k] !== k) identity = false;
  }
  return identity ? null : pick;
}

/**
 * Feature ids of n tokens [starts[i], ends[i]) of `text` whose (hashed) words are words[i],
 * row-major [n, templates.length]. `pick` is templatePick(params.templates).
 */
function spanFeatureIds(text: string, starts: Int32Array, ends: Int32Array, words: string[], n: number, params: TokenFeatureParams, pick: Int32Array | null): Int32Array {
  // Reused: a fresh 18 KB buffer per request made glibc trim and regrow its heap (brk + page faults).
  if (rowScratch.length < n * ROW) rowScratch = new Int32Array(Math.max(n * ROW, 2 * rowScratch.length));
  const rows = rowScratch;
  for (let i = 0; i < n; i++) rows.set(hashWord(words[i]!), i * ROW);
  const K = params.templates.length;
  const ids = new Int32Array(n * K);
  const buckets = params.buckets;
  // ids are the uint32 hash mod buckets; for a power of two that is a mask of the int32 bits.
  const mask = (buckets & (buckets - 1)) === 0 ? buckets - 1 : -1;
  // One monomorphic pass computes every template; with all of them in order (the default pack) it
  // writes the masked ids in place, else the manifest's list picks and orders them.
  const all = pick || mask < 0 ? new Int32Array(ALL) : null;
  for (let i = 0; i < n; i++) {
    const wsb = whitespaceClass(text, i > 0 ? ends[i - 1]! : 0, starts[i]!, i === 0);
    const wsa = whitespaceClass(text, ends[i]!, i + 1 < n ? starts[i + 1]! : text.length, i + 1 === n);
    const o = i * K;
    if (!all) {
      allTemplateHashes(ids, o, mask, rows, i, n, wsb, wsa);
      continue;
    }
    allTemplateHashes(all, 0, -1, rows, i, n, wsb, wsa);
    for (let k = 0; k < K; k++) {
      const x = all[pick ? pick[k]! : k]!;
      ids[o + k] = mask >= 0 ? x & mask : (x >>> 0) % buckets;
    }
  }
  return ids;
}

/** Hashed feature ids of `tokens`, row-major [tokens.length, templates.length]. */
export function tokenFeatureIds(text: string, tokens: Token[], params: TokenFeatureParams): Int32Array {
  const n = tokens.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    starts[i] = tokens[i]!.start;
    ends[i] = tokens[i]!.end;
    words.push(tokens[i]!.text);
  }
  return spanFeatureIds(text, starts, ends, words, n, params, templatePick(params.templates));
}

/** Word-vector id of each token (word-vectors.ts ids over the lowercased token, digits as '0'). */
export function tokenWordVectorIds(tokens: Token[], p: WordVectorParams): Int32Array {
  return wordVectorIdsOf(tokens.map((t) => t.text), p);
}

function wordVectorIdsOf(words: string[], p: WordVectorParams): Int32Array {
  const out = new Int32Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = wordVectorId(words[i]!.toLowerCase().replace(/[0-9]/g, '0').replace(/\u2019/g, "'"), p);
  return out;
}

export function parseTokenFeatureParams(params: Record<string, unknown>, manifest: PackManifest): TokenFeatureParams {
  const where = `pack ${manifest.name}: manifest.json featurizer`;
  const buckets = params['buckets'];
  if (typeof buckets !== 'number' || !Number.isInteger(buckets) || buckets < 1 || buckets > 2 ** 30) {
    throw new Error(`${where}.buckets must be a positive integer`);
  }
  const templates = params['templates'];
  if (!Array.isArray(templates) || templates.length === 0) throw new Error(`${where}.templates must be a non-empty array`);
  for (const t of templates) {
    if (!(TOKEN_FEATURE_TEMPLATES as readonly unknown[]).includes(t)) throw new Error(`${where}.templates: unknown template ${JSON.stringify(t)}`);
  }
  const input = manifest.inputs[0];
  if (typeof input !== 'string') throw new Error(`pack ${manifest.name}: manifest.json inputs must name the feature-id input`);
  if (params['word_vectors'] == null) return { buckets, templates: templates as TokenFeatureTemplate[], input };
  const wvInput = manifest.inputs[1];
  if (typeof wvInput !== 'string') throw new Error(`pack ${manifest.name}: manifest.json inputs[1] must name the word-vector id input`);
  return { buckets, templates: templates as TokenFeatureTemplate[], input, wordVectors: { ...parseWordVectorParams(params['word_vectors']), input: wvInput } };
}

export function createTokenFeaturizer(params: Record<string, unknown>, manifest: PackManifest): Featurizer {
  const p = parseTokenFeatureParams(params, manifest);
  const maxLength = manifest.max_length;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`pack ${manifest.name}: manifest.json max_length must be a positive integer`);
  const K = p.templates.length;
  const pick = templatePick(p.templates);
  const sp = newWordSpans();
  return {
    type: 'token-features',
    encode(text: string): Features {
      const safe = typeof text === 'string' ? text : '';
      scanWordSpans(safe, maxLength, sp);
      const n = sp.n;
      const words: string[] = new Array(n);
      const offsets: Array<[number, number]> = new Array(n);
      for (let i = 0; i < n; i++) offsets[i] = [sp.starts[i]!, sp.ends[i]!], words[i] = safe.slice(sp.starts[i]!, sp.ends[i]!);
      const ids = spanFeatureIds(safe, sp.starts, sp.ends, words, n, p, pick);
      // An empty input still feeds one all-zero-id row so graphs never see a zero-length axis;
      // `length` (0) tells the caller that row is padding.
      const T = Math.max(1, n);
      const data = n > 0 ? ids : new Int32Array(K);
      const feeds: Features['feeds'] = { [p.input]: { type: 'int32', data, dims: [1, T, K] } };
      if (p.wordVectors) feeds[p.wordVectors.input] = { type: 'int32', data: n > 0 ? wordVectorIdsOf(words, p.wordVectors) : new Int32Array(1), dims: [1, T] };
      return { feeds, length: n, truncated: sp.truncated, offsets };
    },
  };
}
