// Intent with extra rows from jailbreak/ (intent-extra.ts): dev scores and, with "cv", 5-fold
// cross-validation on the intent TRAIN split (extras always on the training side). Not part of `npm run train`.
//   npx tsx models/train/_extra-exp.ts '<json configs: {rule, w: {source: weight}, cv, l2, balance}>'
import { loadTask, split, heldOutMask } from './data.ts';
import { pickRows } from './features.ts';
import { PACKS } from './packs.ts';
import { cachedCorpus, fitPack, reportLine } from './_lin-lib.ts';
import { intentExtraRows, type PersonaRule } from './intent-extra.ts';

const spec = PACKS.intent;
const { train: tr, dev } = split('intent', loadTask('intent'));
const C = spec.labels.length;
/** A config's overrides of the pack's sample weights (by source), L2 and class balance. */
const over = (c: any) => ({ sampleWeights: c.w, l2: c.l2, balance: c.balance });
const Xdv0 = cachedCorpus(dev.map((r) => r.text), spec.featurizer, spec.maxLength);
for (const c of JSON.parse(process.argv[2] ?? '[{}]')) {
  const t0 = Date.now();
  const ex = c.rule || c.mmlu ? intentExtraRows({ rule: (c.rule ?? null) as PersonaRule | null, mmluMath: !!c.mmlu }, dev) : { rows: [], droppedDev: 0, counts: {} };
  const extra = ex.rows.filter((r) => (c.w?.[r.source] ?? 1) > 0);
  const all = tr.concat(extra);
  const X0 = cachedCorpus(all.map((r) => r.text), spec.featurizer, spec.maxLength);
  if (!c.cvOnly) {
    const [Pd] = fitPack(spec, all, X0, [Xdv0], over(c));
    console.log(JSON.stringify(c), `extra ${extra.length} (dropped ${ex.droppedDev} dev near-dups) ${JSON.stringify(ex.counts)}`);
    console.log('  dev', reportLine(spec, dev, Pd), ((Date.now() - t0) / 1000).toFixed(0) + 's');
  }
  if (c.cv) {
    const folds = 5, oof = new Float32Array(tr.length * C);
    for (let f = 0; f < folds; f++) {
      const lo = heldOutMask('intent', tr, 'semroute-cv-v1', Math.round((100 * f) / folds)), hi = heldOutMask('intent', tr, 'semroute-cv-v1', Math.round((100 * (f + 1)) / folds));
      const held = hi.map((h, i) => h && !lo[i]);
      const keep = all.map((_, i) => i >= tr.length || !held[i]);
      const [Ph] = fitPack(spec, all.filter((_, i) => keep[i]), pickRows(X0, keep), [pickRows(X0, held)], over(c));
      let j = 0;
      held.forEach((h, i) => { if (h) oof.set(Ph.subarray(j * C, ++j * C), i * C); });
    }
    console.log(JSON.stringify(c), '  cv ', reportLine(spec, tr, oof), ((Date.now() - t0) / 1000).toFixed(0) + 's');
  }
}
