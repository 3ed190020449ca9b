// Per-token hashed features for token-classification packs (PII), shared by training and serving.
// Each word token gets a fixed number K of hashed feature ids (one per template); the graph sums
// their embedding rows. Hashes are computed once per token string and then mixed numerically per
// template, so the per-request cost is a handful of string hashes per token, not K.
import type { Features, Featurizer, PackManifest } from '../types.ts';

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
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const n = Math.min(s.length, MAX_HASHED_CHARS);
  for (let i = 0; i < n; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Murmur3-style finaliser over a combination; cheap and well spread. */
function mix(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Word shape: X upper, x lower, d digit, other chars kept; runs longer than 4 cut to 4. */
export function wordShape(w: string): string {
  let out = '';
  let prev = '';
  let run = 0;
  const n = Math.min(w.length, MAX_HASHED_CHARS);
  for (let i = 0; i < n; i++) {
    const c = w[i]!;
    let k: string;
    if (c >= '0' && c <= '9') k = 'd';
    else if (c !== c.toLowerCase()) k = 'X';
    else if (c !== c.toUpperCase()) k = 'x';
    else if (/\p{L}/u.test(c)) k = 'l';
    else k = c;
    run = k === prev ? run + 1 : 1;
    prev = k;
    if (run <= 4) out += k;
  }
  return out;
}

function shortShape(shape: string): string {
  let out = '';
  for (let i = 0; i < shape.length; i++) if (shape[i] !== shape[i - 1]) out += shape[i];
  return out;
}

interface TokenHashes {
  w: number; lw: number; shape: number; sshape: number;
  p1: number; p2: number; p3: number; s2: number; s3: number; s4: number;
  len: number; wsb: number; wsa: number;
}

const BOUNDARY = 0x5bd1e995; // stands in for the word before the first / after the last token

function whitespaceClass(gap: string, atEdge: boolean): number {
  if (atEdge) return 3;
  if (gap.length === 0) return 0;
  return gap.includes('\n') ? 2 : 1;
}

function hashToken(text: string, tokens: Token[], i: number): TokenHashes {
  const t = tokens[i]!;
  const w = t.text;
  const lw = w.toLowerCase();
  const shape = wordShape(w);
  const prevEnd = i > 0 ? tokens[i - 1]!.end : 0;
  const nextStart = i + 1 < tokens.length ? tokens[i + 1]!.start : text.length;
  return {
    w: fnv1a(w, 1), lw: fnv1a(lw, 2), shape: fnv1a(shape, 3), sshape: fnv1a(shortShape(shape), 4),
    p1: fnv1a(lw.slice(0, 1), 5), p2: fnv1a(lw.slice(0, 2), 6), p3: fnv1a(lw.slice(0, 3), 7),
    s2: fnv1a(lw.slice(-2), 8), s3: fnv1a(lw.slice(-3), 9), s4: fnv1a(lw.slice(-4), 10),
    len: Math.min(w.length, 12),
    wsb: whitespaceClass(text.slice(prevEnd, t.start), i === 0),
    wsa: whitespaceClass(text.slice(t.end, nextStart), i + 1 === tokens.length),
  };
}

/** Raw 32-bit hash of each template for token i; the caller reduces modulo the bucket count. */
function templateHash(name: TokenFeatureTemplate, id: number, hs: TokenHashes[], i: number): number {
  const h = hs[i]!;
  const p = hs[i - 1];
  const q = hs[i + 1];
  const lw = (x: TokenHashes | undefined) => (x ? x.lw : BOUNDARY);
  const ss = (x: TokenHashes | undefined) => (x ? x.sshape : BOUNDARY);
  switch (name) {
    case 'bias': return mix(id, 0);
    case 'w': return mix(id, h.w);
    case 'lw': return mix(id, h.lw);
    case 'shape': return mix(id, h.shape);
    case 'sshape': return mix(id, h.sshape);
    case 'p1': return mix(id, h.p1);
    case 'p2': return mix(id, h.p2);
    case 'p3': return mix(id, h.p3);
    case 's2': return mix(id, h.s2);
    case 's3': return mix(id, h.s3);
    case 's4': return mix(id, h.s4);
    case 'lw-1': return mix(id, lw(p));
    case 'lw+1': return mix(id, lw(q));
    case 'lw-2': return mix(id, lw(hs[i - 2]));
    case 'lw+2': return mix(id, lw(hs[i + 2]));
    case 'sshape-1|sshape|sshape+1': return mix(mix(mix(id, ss(p)), h.sshape), ss(q));
    case 'lw-1|lw': return mix(mix(id, lw(p)), h.lw);
    case 'lw|lw+1': return mix(mix(id, h.lw), lw(q));
    case 'wsb|sshape': return mix(mix(id, h.wsb), h.sshape);
    case 'wsa|sshape': return mix(mix(id, h.wsa), h.sshape);
    case 'len|sshape': return mix(mix(id, h.len), h.sshape);
    case 'shape-1': return mix(id, p ? p.shape : BOUNDARY);
    case 'shape+1': return mix(id, q ? q.shape : BOUNDARY);
    case 'lw-1|sshape': return mix(mix(id, lw(p)), h.sshape);
    case 'sshape|lw+1': return mix(mix(id, h.sshape), lw(q));
    case 'pos|sshape': return mix(mix(id, Math.min(i, 3)), h.sshape);
    case 'lw-2|lw-1': return mix(mix(id, lw(hs[i - 2])), lw(p));
    case 'lw+1|lw+2': return mix(mix(id, lw(q)), lw(hs[i + 2]));
  }
}

/** Hashed feature ids of `tokens`, row-major [tokens.length, templates.length]. */
export function tokenFeatureIds(text: string, tokens: Token[], params: TokenFeatureParams): Int32Array {
  const K = params.templates.length;
  const hs = tokens.map((_, i) => hashToken(text, tokens, i));
  const ids = new Int32Array(tokens.length * K);
  const seeds = params.templates.map((name) => fnv1a(name, 99));
  for (let i = 0; i < tokens.length; i++) {
    for (let k = 0; k < K; k++) {
      ids[i * K + k] = templateHash(params.templates[k]!, seeds[k]!, hs, i) % params.buckets;
    }
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
