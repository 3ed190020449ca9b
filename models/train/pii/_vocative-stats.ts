// Training-side evidence for a "name used as an address" rule (studied 2026-12-08, not adopted; MODEL_CARD.md,
// The gap). The category came from the reference's PII e2e failures ("Dear Rene, ...", "Avery, As you ...");
// every count here is from the training side only:
//   npx tsx models/train/pii/_vocative-stats.ts          the shipped pack on the PII training split and on the
//                                                         benign training rows of intent / jailbreak
//   npx tsx models/train/pii/_vocative-stats.ts cv       2-fold CV on the PII training split (folds by template /
//                                                         WNUT id): the shipped pack was fitted on these rows and
//                                                         finds every one of their addressed names
// Positions: G, a capitalised word after a greeting ("Dear", "Hi", "Thanks" ...); VT, "Word," opening the text;
// VS, "Word," opening a later sentence. A rule would add PERSON where no detected span covers the word.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PiiDetector } from '../../../src/classify/types.ts';
import { REPO_ROOT, loadTask, split } from '../data.ts';
import { augmentRows, normaliseRow } from './augment.ts';
import { loadPiiRows, splitPii, templateKey, type PiiRow, type Span } from './data.ts';
import { defaultFeatureParams, encodeRows, LABELS } from './encode.ts';
import { buildPiiGraph } from './graph.ts';
import { PII_HYPERPARAMS } from './index.ts';
import { train } from './model.ts';
import { loadPiiDetector } from './pack-eval.ts';

const WORD = String.raw`\p{Lu}[\p{L}\p{M}\p{N}'’\-]*`;
const GREETING = new RegExp(String.raw`(?<![\p{L}\p{N}])(?:Dear|Hi|Hello|Hey|Hiya|Howdy|Greetings|Good (?:morning|afternoon|evening|day)|Morning|Evening|Thanks|Thank you|Cheers|Congratulations|Congrats|Welcome)[,!:]?[ \t]+(${WORD})`, 'gu');
const COMMA_WORD = new RegExp(String.raw`(?<![\p{L}\p{N}'’\-])(${WORD}),(?=\s)`, 'gu');

interface Candidate { kind: 'G' | 'VT' | 'VS'; start: number; end: number; word: string }

function candidates(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(GREETING)) {
    const start = m.index + m[0].length - m[1]!.length;
    // "Hello I moved": the pronoun is no address
    if (m[1] !== 'I') out.push({ kind: 'G', start, end: start + m[1]!.length, word: m[1]! });
  }
  for (const m of text.matchAll(COMMA_WORD)) {
    const before = text.slice(0, m.index);
    const kind = /^\s*$/.test(before) ? 'VT' : /(?:[.!?]["')]?\s+|\n\s*)$/.test(before) ? 'VS' : null;
    if (kind && !out.some((c) => c.start === m.index)) out.push({ kind, start: m.index, end: m.index + m[1]!.length, word: m[1]! });
  }
  return out;
}

type Tally = Map<string, number>;
const add = (t: Tally, k: string, n = 1) => t.set(k, (t.get(k) ?? 0) + n);

/** Per position: candidates, gold PERSON starting there, of those found, rule adds (uncovered) and their gold PERSON. */
async function tally(det: PiiDetector, rows: Array<{ text: string; spans: Span[] | null }>, t: Tally, words: Tally): Promise<void> {
  for (const r of rows) {
    const cs = candidates(r.text);
    if (cs.length === 0) continue;
    const found = await det.detect(r.text);
    for (const c of cs) {
      const person = r.spans?.some((g) => g.type === 'PERSON' && g.start === c.start) ?? false;
      const covered = found.find((e) => e.start < c.end && e.end > c.start);
      add(t, `${c.kind} candidates`);
      if (person) add(t, `${c.kind} gold PERSON`);
      if (person && covered?.type === 'PERSON') add(t, `${c.kind} gold PERSON found`);
      if (covered) continue;
      add(t, `${c.kind} rule adds`);
      if (person) add(t, `${c.kind} rule adds, gold PERSON`);
      else add(words, `${c.kind} ${c.word}`);
    }
  }
}

function print(title: string, t: Tally, words: Tally): void {
  console.log(`\n${title}`);
  for (const [k, v] of [...t].sort()) console.log(`  ${k}: ${v}`);
  console.log(`  rule adds that are no gold PERSON: ${[...words].sort((a, b) => b[1] - a[1]).map(([w, n]) => `${w} ${n}`).join(', ') || 'none'}`);
}

function fold(r: PiiRow): number {
  return createHash('sha256').update(r.source === 'presidio' ? `cv:${templateKey(r)}` : `cv:${r.id}`).digest()[0]! & 1;
}

/** The shipped configuration trained on the rows outside fold k, written as a pack under dir. */
function trainFold(rows: PiiRow[], k: number, dir: string): string {
  const hp = PII_HYPERPARAMS;
  const base = rows.filter((r) => fold(r) !== k).map(normaliseRow);
  const all = [...base, ...augmentRows(base, { copies: hp.copies, seed: 1, swap: hp.swap, lower: hp.lower, upper: hp.upper })];
  const params = defaultFeatureParams(hp.buckets);
  const net = train(encodeRows(all, params), { ...hp, labels: LABELS.length, seed: 1, rowWeight: Float32Array.from(all, (r) => (r.source === 'wnut17' ? hp.wnutWeight : 1)) });
  const out = join(dir, `fold${k}`, 'pii');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'model.onnx'), buildPiiGraph(net, params.templates.length, { seed: '1', labels: String(LABELS.length) }));
  for (const f of ['manifest.json', 'labels.json']) writeFileSync(join(out, f), readFileSync(join(REPO_ROOT, 'models/pii', f)));
  return out;
}

const trainRows = splitPii(loadPiiRows()).train;
if (process.argv[2] === 'cv') {
  const dir = mkdtempSync(join(tmpdir(), 'pii-vocative-cv-'));
  const t: Tally = new Map();
  const words: Tally = new Map();
  for (const k of [0, 1]) await tally(await loadPiiDetector(trainFold(trainRows, k, dir)), trainRows.filter((r) => fold(r) === k), t, words);
  print(`PII training split, 2-fold CV (packs in ${dir})`, t, words);
} else {
  const det = await loadPiiDetector('pii');
  for (const [title, rows] of [
    ['PII training split', trainRows],
    ['intent training rows (no PII)', split('intent', loadTask('intent')).train.map((r) => ({ text: r.text, spans: null }))],
    ['jailbreak benign training rows (no PII)', split('jailbreak', loadTask('jailbreak')).train.filter((r) => r.label === 'benign').map((r) => ({ text: r.text, spans: null }))],
  ] as const) {
    const t: Tally = new Map();
    const words: Tally = new Map();
    await tally(det, rows, t, words);
    print(`${title}: ${rows.length} rows`, t, words);
  }
}
