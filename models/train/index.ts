// `npm run train [-- pack...]`: trains the default packs from ../shared/data into models/<pack>/.
// Deterministic: fixed seeds, hash-based splits, no wall-clock or Math.random input.
import { PACKS } from './packs.ts';
import { trainClassifierPack } from './train-classifier.ts';
import { trainEmbeddingPack } from './train-embedding.ts';
import { targetsFor } from './model-card.ts';

const ALL = ['domain', 'intent', 'jailbreak', 'embedding', 'pii'];
const USAGE = `usage: npm run train [-- <pack>...]   packs: ${ALL.join(', ')} (none: all five)
Retrains the packs from ../shared/data into models/<pack>/ and rewrites each MODEL_CARD.md.\n`;
const args = process.argv.slice(2);
// A flag must not fall through to "no pack named: retrain all five" (it used to be dropped).
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const flag = args.find((a) => a.startsWith('-'));
if (flag) {
  process.stderr.write(`unknown option ${flag}\n${USAGE}`);
  process.exit(2);
}
const asked = args;
const unknown = asked.filter((a) => !ALL.includes(a));
if (unknown.length) {
  process.stderr.write(`unknown pack(s): ${unknown.join(', ')}; known: ${ALL.join(', ')}\n`);
  process.exit(2);
}
for (const name of asked.length ? asked : ALL) {
  if (name === 'pii') {
    // Owned by models/train/pii; loaded lazily so the text packs train without it.
    const { trainPii } = (await import('./pii/index.ts')) as { trainPii: (o?: { seed?: number }) => Promise<{ outDir: string; microF1: number }> };
    const r = await trainPii();
    console.log(`pii: dev micro-F1 ${r.microF1.toFixed(4)} -> ${r.outDir}`);
    continue;
  }
  if (name === 'embedding') {
    const r = await trainEmbeddingPack();
    console.log(`embedding: ${r.summary}`);
    continue;
  }
  const r = await trainClassifierPack(PACKS[name]);
  const t = targetsFor(r).map((x) => `${x.what}=${x.measured.toFixed(4)}${x.ok ? '' : ' (below target ' + x.target + ')'}`);
  console.log(`${name}: acc=${r.dev.accuracy.toFixed(4)} macroF1=${r.dev.macro_f1.toFixed(4)} p50=${r.latency.p50_ms.toFixed(3)}ms size=${(r.sizeBytes / 2 ** 20).toFixed(2)}MiB; ${t.join('; ')}`);
}
