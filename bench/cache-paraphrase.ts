// Semantic cache quality on the reference's paraphrase sets (../shared/vsr-testdata/cache_cases.json):
// each set's original question is stored, its paraphrases are looked up. Reports the hit rate at the
// configured threshold and hits across sets (must be zero). Each paraphrase goes through the question
// checks a lookup applies (src/cache/word-order.ts conflicts: order, numbers, names, marks, poles,
// swaps); one they refuse at or above the threshold is counted a miss and marked.
// Run: npx tsx bench/cache-paraphrase.ts [--threshold 0.8]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDefaultConfig } from '../src/config/index.ts';
import { loadNodeClassifiers } from '../runtimes/node/deps.ts';
import { MemoryCache } from '../src/cache/memory-cache.ts';
import { conflicts, questionSignature } from '../src/cache/word-order.ts';

const i = process.argv.indexOf('--threshold');
const threshold = i > 0 ? Number(process.argv[i + 1]) : 0.8;
const cases = JSON.parse(readFileSync(fileURLToPath(new URL('../../shared/vsr-testdata/cache_cases.json', import.meta.url)), 'utf8')) as
  Array<{ category: string; original_question: string; similar_questions: string[] }>;
const config = loadDefaultConfig().config;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const embedder = (await loadNodeClassifiers(config, quiet)).embedder(config.packs.embedding);
if (!embedder) throw new Error('no embedding pack');

const cache = new MemoryCache({ maxEntries: 100, eviction: 'fifo', ttlSeconds: 0 });
const key = { requestedModel: 'MoM', scope: 'global' };
for (const c of cases) {
  await cache.store(key, await embedder.embed(c.original_question), { completion: { set: c.category }, model: 'm', createdMs: 0, ...questionSignature(c.original_question) });
}
let hits = 0, total = 0, cross = 0;
const rows: string[] = [];
for (const c of cases) {
  for (const q of c.similar_questions) {
    total++;
    const v = await embedder.embed(q);
    const best = await cache.lookup(key, v, -1);
    const refused = best && best.similarity >= threshold && conflicts(best.answer, questionSignature(q));
    const h = best && best.similarity >= threshold && !refused ? best : undefined;
    const set = (h?.answer.completion as { set?: string } | undefined)?.set;
    if (h && set === c.category) hits++;
    if (h && set !== c.category) cross++;
    rows.push(`| ${c.category} | ${q} | ${best ? best.similarity.toFixed(3) : '-'} | ${h ? (set === c.category ? 'hit' : `CROSS (${set})`) : refused ? 'miss (refused by the checks)' : 'miss'} |`);
  }
}
// best similarity to any other set's original, for the margin
let maxCross = -1;
for (const c of cases) for (const q of [c.original_question, ...c.similar_questions]) {
  const v = await embedder.embed(q);
  for (const o of cases) if (o !== c) {
    const w = await embedder.embed(o.original_question);
    let s = 0; for (let k = 0; k < v.length; k++) s += v[k]! * w[k]!;
    maxCross = Math.max(maxCross, s);
  }
}
console.log(`# paraphrase sets: embedding pack ${embedder.name} (${embedder.dimensions} dims), threshold ${threshold}`);
console.log('| set | paraphrase | best similarity | result |\n|---|---|---:|---|');
console.log(rows.join('\n'));
console.log(`\nhit rate ${hits}/${total} = ${((100 * hits) / total).toFixed(1)}%; cross-set hits ${cross}; highest cross-set similarity ${maxCross.toFixed(3)}`);
