// What the cache's question checks (src/cache/word-order.ts: word order, numbers, names;
// src/cache/question-marks.ts: signs and negations; src/cache/opposites.ts: opposite ends;
// src/cache/word-swaps.ts: a noun, a pronoun or a modifier swapped, a modifier added) do to close
// pairs of distinct questions: every pair of different texts in the intent data's dev split whose
// embeddings reach the threshold would be served each other's answer; the checks should refuse the
// pairs that are other questions and keep the few that are the same question reworded. Prints, per
// source, the pairs at or above the threshold, how many each check refuses, and a sample of the
// pairs the checks let through and those names or marks alone refuse (to read). CLINC small-talk
// pairs of one intent ("how are you" / "how are you doing") are the same question: what a check
// refuses there is its cost.
// Run: npx tsx bench/cache-question-checks.ts [--threshold 0.8] [--task intent|domain] [--sample 12]
//   [--split dev|train] [--source clinc] (train: measures only, nothing is fit; --source keeps the rows
//   whose source starts so: the training split's CLINC rows give 8,333 same-intent pairs at 0.8)
import { loadDefaultConfig } from '../src/config/index.ts';
import { loadNodeClassifiers } from '../runtimes/node/deps.ts';
import { loadTask, normalise, split, type Task } from '../models/train/data.ts';
import { nameMissing, numbersDiffer, questionSignature, reordered } from '../src/cache/word-order.ts';
import { marksDiffer } from '../src/cache/question-marks.ts';
import { polesOppose } from '../src/cache/opposites.ts';
import { wordSwapped } from '../src/cache/word-swaps.ts';

const arg = (name: string, d: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : d; };
const threshold = Number(arg('threshold', '0.8'));
const task = arg('task', 'intent') as Task;
const sample = Number(arg('sample', '12'));
const part = arg('split', 'dev') as 'dev' | 'train';
const source = arg('source', '');

const config = loadDefaultConfig().config;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const embedder = (await loadNodeClassifiers(config, quiet)).embedder(config.packs.embedding);
if (!embedder) throw new Error('no embedding pack');

const seen = new Set<string>();
const rows = split(task, loadTask(task))[part].filter((r) => r.source.startsWith(source) && !seen.has(normalise(r.text)) && seen.add(normalise(r.text)));
const vecs: Float32Array[] = [];
for (const r of rows) {
  const v = await embedder.embed(r.text);
  let n = 0;
  for (const x of v) n += x * x;
  vecs.push(v.map((x) => x / Math.sqrt(n || 1)));
}
const sigs = rows.map((r) => questionSignature(r.text));
type Tally = { pairs: number; order: number; numbers: number; names: number; marks: number; poles: number; polesOnly: number; swaps: number; swapsOnly: number; newOnly: number; served: number; servedBefore: number };
const by = new Map<string, Tally>();
const through: string[] = [], byNew: string[] = [], byPoles: string[] = [], bySwaps: string[] = [];
for (let i = 0; i < rows.length; i++) {
  for (let j = i + 1; j < rows.length; j++) {
    let d = 0;
    const a = vecs[i]!, b = vecs[j]!;
    for (let k = 0; k < a.length; k++) d += a[k]! * b[k]!;
    if (d < threshold) continue;
    const same = rows[i]!.source === rows[j]!.source;
    const intent = same && rows[i]!.source.startsWith('clinc') ? (rows[i]!.orig_label === rows[j]!.orig_label ? ' (same intent)' : ' (other intents)') : '';
    const src = same ? rows[i]!.source + intent : 'mixed';
    const t = by.get(src) ?? { pairs: 0, order: 0, numbers: 0, names: 0, marks: 0, poles: 0, polesOnly: 0, swaps: 0, swapsOnly: 0, newOnly: 0, served: 0, servedBefore: 0 };
    by.set(src, t);
    t.pairs++;
    // Either side may be the stored one: a pair is refused when the check refuses it one way.
    const [s, q] = [sigs[i]!, sigs[j]!];
    const o = reordered(s.order, q.order), n = numbersDiffer(s.numbers, q.numbers);
    const nm = nameMissing(s.names, q.order) || nameMissing(q.names, s.order);
    const mk = marksDiffer(s.marks, q.marks);
    const pl = polesOppose(s.poles, q.poles);
    const sw = wordSwapped(s.stems, q.stems);
    if (o) t.order++;
    if (n) t.numbers++;
    if (nm) t.names++;
    if (mk) t.marks++;
    if (pl) t.poles++;
    if (sw) t.swaps++;
    // What the poles check adds: pairs the other four let through.
    if (pl && !o && !n && !nm && !mk) {
      t.polesOnly++;
      byPoles.push(`${d.toFixed(3)} | ${rows[i]!.text.slice(0, 90)} | ${rows[j]!.text.slice(0, 90)}`);
    }
    if (!o && !n) t.servedBefore++;
    if ((nm || mk) && !o && !n) {
      t.newOnly++;
      byNew.push(`${d.toFixed(3)} ${nm ? 'name' : 'mark'} | ${rows[i]!.text.slice(0, 90)} | ${rows[j]!.text.slice(0, 90)}`);
    }
    // What the swaps check adds: pairs the other five let through.
    if (sw && !o && !n && !nm && !mk && !pl) {
      t.swapsOnly++;
      bySwaps.push(`${d.toFixed(3)} | ${rows[i]!.text.slice(0, 90)} | ${rows[j]!.text.slice(0, 90)}`);
    }
    if (!o && !n && !nm && !mk && !pl && !sw) {
      t.served++;
      through.push(`${d.toFixed(3)} | ${rows[i]!.text.slice(0, 90)} | ${rows[j]!.text.slice(0, 90)}`);
    }
  }
}
console.log(`${task} ${part}${source ? ` (${source}*)` : ''}: ${rows.length} distinct texts; pairs at >= ${threshold}`);
console.log('| source | pairs | order refuses | numbers refuses | names refuses | marks refuses | poles refuse | poles alone refuse | swaps refuse | swaps alone refuse | served by order + numbers | served by all six |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [src, t] of [...by].sort((x, y) => y[1].pairs - x[1].pairs)) {
  console.log(`| ${src} | ${t.pairs} | ${t.order} | ${t.numbers} | ${t.names} | ${t.marks} | ${t.poles} | ${t.polesOnly} | ${t.swaps} | ${t.swapsOnly} | ${t.servedBefore} | ${t.served} |`);
}
console.log(`\nrefused by names or marks, not by order or numbers (sample of ${byNew.length}):`);
for (const l of byNew.slice(0, sample)) console.log(l);
console.log(`\nrefused by poles alone (sample of ${byPoles.length}):`);
for (const l of byPoles.slice(0, sample)) console.log(l);
console.log(`\nrefused by swaps alone (sample of ${bySwaps.length}):`);
for (const l of bySwaps.slice(0, sample)) console.log(l);
console.log(`\nstill served (sample of ${through.length}):`);
for (const l of through.slice(0, sample)) console.log(l);
