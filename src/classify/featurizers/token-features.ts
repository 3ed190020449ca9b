// Per-token hashed features for token-classification packs (PII), shared by training and serving.
// Each word token gets a fixed number K of hashed feature ids (one per template); the graph sums
// their embedding rows. Hashes are computed once per token string and then mixed numerically per
// template, so the per-request cost is a handful of string hashes per token, not K.
import type { Features, Featurizer, PackManifest } from '../types.ts';
import { fmix32, FNV_OFFSET, FNV_PRIME } from './hash.ts';

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
}

export interface Token {
  text: string;
  start: number;
  end: number;
}

// Alphanumeric runs (letters, marks, digits) or one other non-space character. The `u` flag makes a
// lone surrogate one "character" here, so malformed UTF-16 still tokenises without throwing.
const TOKEN_RE = /[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;
/** Tokens longer than this are cut for hashing only (offsets stay exact); keeps the cost bounded. */
const MAX_HASHED_CHARS = 64;

/** Word tokens with UTF-16 offsets; stops after `limit` tokens and says whether more text followed. */
export function tokenize(text: string, limit: number): { tokens: Token[]; truncated: boolean } {
  const tokens: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(text)) !== null) {
    if (tokens.length === limit) return { tokens, truncated: true };
    tokens.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return { tokens, truncated: false };
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

/** Murmur3-style finaliser over a combination; cheap and well spread. */
function mix(a: number, b: number): number {
  return fmix32((Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0);
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

interface WordHashes {
  w: number; lw: number; shape: number; sshape: number;
  p1: number; p2: number; p3: number; s2: number; s3: number; s4: number;
  len: number;
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

// Word-level hashes depend only on the word, and requests repeat words ("the", "and", names
// within one request), so they are memoised; the cache is dropped when full, which keeps memory
// bounded without LRU bookkeeping. Results are identical with or without a hit.
const WORD_CACHE_MAX = 8192;
const wordCache = new Map<string, WordHashes>();

function hashWord(w: string): WordHashes {
  const hit = wordCache.get(w);
  if (hit) return hit;
  const lw = w.toLowerCase();
  const shape = wordShape(w);
  const h: WordHashes = {
    w: fnv1a(w, 1), lw: fnv1a(lw, 2), shape: fnv1a(shape, 3), sshape: fnv1a(shortShape(shape), 4),
    p1: fnv1a(lw.slice(0, 1), 5), p2: fnv1a(lw.slice(0, 2), 6), p3: fnv1a(lw.slice(0, 3), 7),
    s2: fnv1a(lw.slice(-2), 8), s3: fnv1a(lw.slice(-3), 9), s4: fnv1a(lw.slice(-4), 10),
    len: Math.min(w.length, 12),
  };
  if (w.length <= MAX_HASHED_CHARS) {
    if (wordCache.size >= WORD_CACHE_MAX) wordCache.clear();
    wordCache.set(w, h);
  }
  return h;
}

const lw = (x: WordHashes | undefined) => (x ? x.lw : BOUNDARY);
const ss = (x: WordHashes | undefined) => (x ? x.sshape : BOUNDARY);

const TEMPLATE_INDEX = new Map<string, number>(TOKEN_FEATURE_TEMPLATES.map((t, j) => [t, j]));
const S = TOKEN_FEATURE_TEMPLATES.map((name) => fnv1a(name, 99));

/** Raw 32-bit hashes of every template for one token (h), its neighbours (p, q, p2, q2) and position. */
function allTemplateHashes(out: Uint32Array, h: WordHashes, p: WordHashes | undefined, q: WordHashes | undefined, p2: WordHashes | undefined, q2: WordHashes | undefined, pos: number, wsb: number, wsa: number): void {
  out[0] = mix(S[0]!, 0); // bias
  out[1] = mix(S[1]!, h.w); // w
  out[2] = mix(S[2]!, h.lw); // lw
  out[3] = mix(S[3]!, h.shape); // shape
  out[4] = mix(S[4]!, h.sshape); // sshape
  out[5] = mix(S[5]!, h.p1); // p1
  out[6] = mix(S[6]!, h.p2); // p2
  out[7] = mix(S[7]!, h.p3); // p3
  out[8] = mix(S[8]!, h.s2); // s2
  out[9] = mix(S[9]!, h.s3); // s3
  out[10] = mix(S[10]!, h.s4); // s4
  out[11] = mix(S[11]!, lw(p)); // lw-1
  out[12] = mix(S[12]!, lw(q)); // lw+1
  out[13] = mix(S[13]!, lw(p2)); // lw-2
  out[14] = mix(S[14]!, lw(q2)); // lw+2
  out[15] = mix(mix(mix(S[15]!, ss(p)), h.sshape), ss(q)); // sshape-1|sshape|sshape+1
  out[16] = mix(mix(S[16]!, lw(p)), h.lw); // lw-1|lw
  out[17] = mix(mix(S[17]!, h.lw), lw(q)); // lw|lw+1
  out[18] = mix(mix(S[18]!, wsb), h.sshape); // wsb|sshape
  out[19] = mix(mix(S[19]!, wsa), h.sshape); // wsa|sshape
  out[20] = mix(mix(S[20]!, h.len), h.sshape); // len|sshape
  out[21] = mix(S[21]!, p ? p.shape : BOUNDARY); // shape-1
  out[22] = mix(S[22]!, q ? q.shape : BOUNDARY); // shape+1
  out[23] = mix(mix(S[23]!, lw(p)), h.sshape); // lw-1|sshape
  out[24] = mix(mix(S[24]!, h.sshape), lw(q)); // sshape|lw+1
  out[25] = mix(mix(S[25]!, pos), h.sshape); // pos|sshape
  out[26] = mix(mix(S[26]!, lw(p2)), lw(p)); // lw-2|lw-1
  out[27] = mix(mix(S[27]!, lw(q)), lw(q2)); // lw+1|lw+2
}

/** Hashed feature ids of `tokens`, row-major [tokens.length, templates.length]. */
export function tokenFeatureIds(text: string, tokens: Token[], params: TokenFeatureParams): Int32Array {
  const K = params.templates.length;
  const n = tokens.length;
  const hs = new Array<WordHashes>(n);
  for (let i = 0; i < n; i++) hs[i] = hashWord(tokens[i]!.text);
  const ids = new Int32Array(tokens.length * K);
  // One monomorphic pass computes every template; the manifest's list picks and orders them.
  const pick = params.templates.map((name) => TEMPLATE_INDEX.get(name)!);
  const all = new Uint32Array(TOKEN_FEATURE_TEMPLATES.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const wsb = whitespaceClass(text, i > 0 ? tokens[i - 1]!.end : 0, t.start, i === 0);
    const wsa = whitespaceClass(text, t.end, i + 1 < n ? tokens[i + 1]!.start : text.length, i + 1 === n);
    allTemplateHashes(all, hs[i]!, hs[i - 1], hs[i + 1], hs[i - 2], hs[i + 2], Math.min(i, 3), wsb, wsa);
    for (let k = 0; k < K; k++) ids[i * K + k] = all[pick[k]!]! % params.buckets;
  }
  return ids;
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
  return { buckets, templates: templates as TokenFeatureTemplate[], input };
}

export function createTokenFeaturizer(params: Record<string, unknown>, manifest: PackManifest): Featurizer {
  const p = parseTokenFeatureParams(params, manifest);
  const maxLength = manifest.max_length;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`pack ${manifest.name}: manifest.json max_length must be a positive integer`);
  const K = p.templates.length;
  return {
    type: 'token-features',
    encode(text: string): Features {
      const safe = typeof text === 'string' ? text : '';
      const { tokens, truncated } = tokenize(safe, maxLength);
      const ids = tokenFeatureIds(safe, tokens, p);
      // An empty input still feeds one all-zero-id row so graphs never see a zero-length axis;
      // `length` (0) tells the caller that row is padding.
      const T = Math.max(1, tokens.length);
      const data = tokens.length > 0 ? ids : new Int32Array(K);
      return {
        feeds: { [p.input]: { type: 'int32', data, dims: [1, T, K] } },
        length: tokens.length,
        truncated,
        offsets: tokens.map((t) => [t.start, t.end] as [number, number]),
      };
    },
  };
}
