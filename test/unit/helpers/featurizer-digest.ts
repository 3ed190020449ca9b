// Digests of what the featurizers of the default packs produce over a fixed corpus. The shipped
// models were trained on these exact ids and weights, so a speed-up of a featurizer must leave every
// digest unchanged (test/unit/featurizer-golden.test.ts). Two corpora: a synthetic one (always
// available: seeded random text over many scripts plus edge cases) and rows sampled by fixed stride
// from ../shared/data (only where that folder exists).
//
//   npx tsx test/unit/helpers/featurizer-digest.ts --write   # re-records test/fixtures/featurizer-golden.json
import { createHash, type Hash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { featurizerSpec } from '../../../src/classify/featurizers/index.ts';
import { wordVectorTokens } from '../../../src/classify/featurizers/word-vectors.ts';
import { tokenize, tokenWordVectorIds } from '../../../src/classify/featurizers/token-features.ts';
import type { Featurizer, PackManifest } from '../../../src/classify/types.ts';
// mulberry32, the project's one seeded PRNG: the same corpus on every machine.
import { rng } from '../../../models/train/rng.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
export const GOLDEN_FILE = resolve(ROOT, 'test/fixtures/featurizer-golden.json');
export const PACKS = ['domain', 'embedding', 'intent', 'jailbreak', 'pii'] as const;

export function dataDir(): string | undefined {
  return [process.env.SEMROUTE_SHARED_DATA, resolve(ROOT, '../shared/data'), '/work/shared/data']
    .filter((d): d is string => !!d)
    .find((d) => existsSync(resolve(d, 'category')));
}


// Pieces the random texts are built from: the cases where a fast path could differ from the slow
// one (length-changing and context-dependent lowercasing, astral letters and ideographs, lone
// surrogates, marks, non-ASCII digits, apostrophes, joiners, very long tokens).
const PIECES = [
  'the', 'The', 'THE', 'and', 'of', 'request', 'Statistics', 'McDonald', 'iPhone', 'snake_case_id', '__init__',
  'don\'t', 'it\'s', 'can\u2019t', 'they\'re', 'rock\'n\'roll', 'well-known', 'e-mail', '-', '--', '\'', '\u2019',
  '3.14', '1,000,000', '2025-03-14', '42', '007', 'v1.2.3', 'x86_64', '٣٤٥', '１２３', 'Ⅻ', '½',
  'maria.garcia@northwind.example', 'https://example.com/a?b=c&d=e', '+49 30 1234567', '192.168.0.1', '4111-1111-1111-1111',
  'İstanbul', 'ΟΔΟΣ', 'ΣΊΣΥΦΟΣ', 'Straße', 'STRASSE', 'ẞ', 'ǅ', 'ﬁ', 'Ǆemal', 'K', 'Å', 'ß', 'İİİ', 'ΑΣ.',
  'naïve', 'café', 'cafe\u0301', 'e\u0301\u0301', 'Ω', 'Привет', 'МИР', 'Ελληνικά', 'עברית', 'العربية', 'हिन्दी', 'ไทย', '한국어',
  '中文', '漢字', 'ひらがな', 'カタカナ', 'ｶﾀｶﾅ', '𠀀𠀁', '𝐀𝐁𝐂', '𝒳', '😀', '👍🏽', '👩\u200d💻', '🇩🇪', '\u200b', '\u200d', '\u2060', '\ufeff',
  '\ud800', '\udc00', '\udbff\udfff', 'a\ud83db', '\u0000', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\u3000',
  '()', '[x]', '{"k": 1}', '<b>', '</b>', '...', '?!', '#', '$12.50', '€', '%', '&amp;', '\\n', '|', '~', '^_^', ':)', '™', '©',
  'a'.repeat(23), 'b'.repeat(24), 'c'.repeat(25), 'Abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3), 'x'.repeat(70), 'Ab1'.repeat(30),
  'QuarterlyRevenueReport2025Final', 'ILOVEYOU', 'a', 'I', 'x', '_', '__',
];
const GAPS = [' ', ' ', ' ', ' ', '  ', '\n', '\n\n', '\t', ', ', '. ', '', '\r\n', ' - ', '\u00a0', '/'];

function randomText(r: () => number, pieces: number): string {
  let s = '';
  for (let i = 0; i < pieces; i++) {
    s += PIECES[Math.floor(r() * PIECES.length)]!;
    s += GAPS[Math.floor(r() * GAPS.length)]!;
  }
  return s;
}

/** Random code points over the whole range (lone surrogates included), as one string. */
function randomCodePoints(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    const cp = k < 0.5 ? 0x20 + Math.floor(r() * 0x60) : k < 0.8 ? Math.floor(r() * 0x3000) : k < 0.95 ? Math.floor(r() * 0x10000) : Math.floor(r() * 0x110000);
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

export function syntheticCorpus(): string[] {
  const r = rng(20250314);
  const out = ['', ' ', '   \n\t ', '\u0000\u0007\u200b', 'a', 'A', '0', '9', '12345', '_', '\ud800', '\udc00', '\ud800\udc00', '😀',
    '中', 'İ', 'Σ', 'ς', 'ΑΣ', 'x\u0301', '\u0301', ...PIECES, PIECES.join(' '), PIECES.join(''), GAPS.join('x')];
  for (let i = 0; i < 200; i++) out.push(randomText(r, 1 + Math.floor(r() * (i < 150 ? 60 : 600))));
  for (let i = 0; i < 40; i++) out.push(randomCodePoints(r, 1 + Math.floor(r() * 400)));
  // Past max_chars (8192) and past max_length distinct ids (many distinct random words).
  for (let i = 0; i < 4; i++) out.push(randomText(r, 1500 + i * 700));
  let words = '';
  for (let i = 0; i < 3000; i++) words += Math.floor(r() * 2 ** 40).toString(36).replace(/[0-9]/g, '') + ' ';
  out.push(words, words.slice(0, 8000), words.slice(0, 3000));
  // At the max_chars edge (8192), one cut through a surrogate pair; PII gap scans stop at 64 units.
  for (const n of [8191, 8192, 8193]) out.push('ab '.repeat(3000).slice(0, n), 'Ab ' + 'ab '.repeat(3000).slice(0, n - 3));
  out.push('x'.repeat(8191) + '😀 tail', 'Maria' + ' '.repeat(100) + '\nGarcia' + '\t'.repeat(63) + '\nBerlin');
  out.push('9'.repeat(9000), 'w '.repeat(6000), '😀'.repeat(5000), 'a\ud800'.repeat(5000));
  // 1 MB.
  const block = randomText(r, 200);
  out.push(block.repeat(Math.ceil((1 << 20) / block.length)).slice(0, 1 << 20));
  return out;
}

/** Every `stride`-th row (about `per` rows) of every data file, in file-name order. */
export function dataCorpus(dir: string, per = 40): string[] {
  const out: string[] = [];
  for (const sub of readdirSync(dir).sort()) {
    const folder = resolve(dir, sub);
    if (!statSync(folder).isDirectory()) continue;
    const files = readdirSync(folder).filter((f) => f.endsWith('.jsonl')).sort();
    for (const f of files) {
      const lines = readFileSync(resolve(folder, f), 'utf8').split('\n').filter((l) => l.trim());
      const stride = Math.max(1, Math.floor(lines.length / per));
      for (let i = 0; i < lines.length; i += stride) out.push((JSON.parse(lines[i]!) as { text: string }).text);
    }
  }
  return out;
}

function manifestOf(pack: string): PackManifest {
  return JSON.parse(readFileSync(resolve(ROOT, 'models', pack, 'manifest.json'), 'utf8')) as PackManifest;
}

export function packFeaturizer(pack: string): Featurizer {
  const m = manifestOf(pack);
  return featurizerSpec(m.featurizer.type)!.create(m.featurizer as Record<string, unknown>, m, {});
}

function u32(h: Hash, v: number): void {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  h.update(b);
}

function bytes(h: Hash, a: ArrayBufferView): void {
  u32(h, a.byteLength);
  h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** sha256 over every feed (name, type, dims, raw bytes), length, truncated and offsets of each text. */
export function featureDigest(f: Featurizer, texts: string[]): string {
  const h = createHash('sha256');
  for (const text of texts) digestFeatures(h, f, text);
  return h.digest('hex');
}

/** featureDigest of each pack, with every text encoded by all packs in turn (as a request is). */
export function interleavedDigests(packs: readonly string[], texts: string[]): Record<string, string> {
  const fs = packs.map((p) => packFeaturizer(p));
  const hs = packs.map(() => createHash('sha256'));
  for (const text of texts) fs.forEach((f, k) => digestFeatures(hs[k]!, f, text));
  return Object.fromEntries(packs.map((p, k) => [p, hs[k]!.digest('hex')]));
}

function digestFeatures(h: Hash, f: Featurizer, text: string): void {
  const r = f.encode(text);
  u32(h, r.length);
  u32(h, r.truncated ? 1 : 0);
  for (const name of Object.keys(r.feeds).sort()) {
    const t = r.feeds[name]!;
    h.update(`${name}:${t.type}:${t.dims.join('x')};`);
    bytes(h, t.data);
  }
  const offs = r.offsets ?? [];
  u32(h, offs.length);
  bytes(h, Int32Array.from(offs.flat()));
}

/** The helpers training calls directly: word-vector tokens, PII tokens and their word-vector ids. */
export function trainingApiDigest(texts: string[]): string {
  const h = createHash('sha256');
  for (const text of texts) {
    const wv = wordVectorTokens(text, 8192);
    u32(h, wv.length);
    h.update(wv.join('\u0001'));
    const { tokens, truncated } = tokenize(text, 512);
    u32(h, truncated ? 1 : 0);
    bytes(h, Int32Array.from(tokens.flatMap((t) => [t.start, t.end])));
    bytes(h, tokenWordVectorIds(tokens, { buckets: 32768, seed: 7 }));
  }
  return h.digest('hex');
}

export interface Golden {
  synthetic: Record<string, string>;
  data?: { corpus: string; rows: number } & Record<string, string | number>;
}

export function computeGolden(): Golden {
  const synth = syntheticCorpus();
  const g: Golden = { synthetic: {} };
  for (const p of PACKS) g.synthetic[p] = featureDigest(packFeaturizer(p), synth);
  g.synthetic['training-api'] = trainingApiDigest(synth);
  const dir = dataDir();
  if (dir) {
    const rows = dataCorpus(dir);
    const d: Golden['data'] = { corpus: createHash('sha256').update(rows.join('\u0000')).digest('hex'), rows: rows.length };
    for (const p of PACKS) d[p] = featureDigest(packFeaturizer(p), rows);
    d['training-api'] = trainingApiDigest(rows);
    g.data = d;
  }
  return g;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename) && process.argv.includes('--write')) {
  const g = computeGolden();
  if (!g.data) throw new Error('../shared/data not found: the fixture needs both corpora');
  writeFileSync(GOLDEN_FILE, JSON.stringify(g, null, 2) + '\n');
  console.log(`wrote ${GOLDEN_FILE}`);
}
