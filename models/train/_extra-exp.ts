// Intent with extra rows from jailbreak/ (intent-extra.ts): dev scores and, with "cv", 5-fold
// cross-validation on the intent TRAIN split (extras always on the training side). Not part of `npm run train`.
//   npx tsx models/train/_extra-exp.ts '<json configs: {rule, w: {source: weight}, cv, l2, balance}>'
import { loadTask, split, heldOutMask, type Row } from './data.ts';
import { computeIdf, applyTfidf, pickRows, type Csr } from './features.ts';
import { classificationReport } from './metrics.ts';
import { quantizeTable, dequantize } from './graphs.ts';
import { PACKS } from './packs.ts';
import { cachedCorpus, lbfgs, predict } from './_lin-lib.ts';
import { intentExtraRows, type PersonaRule } from './intent-extra.ts';

const spec = PACKS.intent;
const { train: tr, dev } = split('intent', loadTask('intent'));
const labels = spec.labels, C = labels.length, V = spec.featurizer.buckets;
const sub = spec.reportSources!['Arena-Hard + MT-bench rows'];
const isSub = (r: Row) => sub.some((s) => r.source.startsWith(s));

function fit(c: any, rows: Row[], X0: Csr, evalX0: Csr[]): Float32Array[] {
  const idf = computeIdf(X0, V, spec.idfPower);
  const y = Int32Array.from(rows, (r) => labels.indexOf(r.label));
  const sws = { ...spec.sampleWeights, ...(c.w ?? {}) };
  const sw = Float64Array.from(rows, (r) => { let w = 1; for (const [k, v] of Object.entries(sws)) if (r.source.startsWith(k)) w *= v as number; return w; });
  const cnt = new Float64Array(C);
  y.forEach((v, i) => (cnt[v] += sw[i]));
  const tot = cnt.reduce((a, b) => a + b, 0);
  const w = Float64Array.from(sw, (s, i) => s * (tot / (C * cnt[y[i]])) ** (c.balance ?? spec.balance));
  const m = lbfgs(applyTfidf(X0, idf), y, w, { V, K: C, l2: c.l2 ?? spec.l2, iters: spec.iters ?? 300 });
  const t = dequantize(quantizeTable(m.table, V, C, spec.quant), V, C);
  return evalX0.map((X) => predict(applyTfidf(X, idf), t, m.bias, C));
}
const argmax = (P: Float32Array, i: number) => { let b = 0; for (let k = 1; k < C; k++) if (P[i * C + k] > P[i * C + b]) b = k; return b; };
function line(rows: Row[], P: Float32Array): string {
  const gold = rows.map((r) => labels.indexOf(r.label)), pred = rows.map((_, i) => argmax(P, i));
  const rep = classificationReport(labels, gold, pred);
  const ix = rows.map((r, i) => (isSub(r) ? i : -1)).filter((i) => i >= 0);
  const rs = classificationReport(labels, ix.map((i) => gold[i]), ix.map((i) => pred[i]));
  const cw = rep.per_class[2];
  return `mF1 ${rep.macro_f1.toFixed(4)} acc ${rep.accuracy.toFixed(4)} creative R/P ${cw.recall.toFixed(3)}/${cw.precision.toFixed(3)} sub ${rs.accuracy.toFixed(4)} (n=${ix.length}) ` +
    rep.per_class.map((m) => m.label.slice(0, 4) + ':' + m.recall.toFixed(3) + '/' + m.precision.toFixed(3)).join(' ');
}
const Xdv0 = cachedCorpus(dev.map((r) => r.text), spec.featurizer, spec.maxLength);
for (const c of JSON.parse(process.argv[2] ?? '[{}]')) {
  const t0 = Date.now();
  const ex = c.rule || c.mmlu ? intentExtraRows({ rule: (c.rule ?? null) as PersonaRule | null, mmluMath: !!c.mmlu }, dev) : { rows: [], droppedDev: 0, counts: {} };
  const extra = ex.rows.filter((r) => (c.w?.[r.source] ?? 1) > 0);
  const all = tr.concat(extra);
  const X0 = cachedCorpus(all.map((r) => r.text), spec.featurizer, spec.maxLength);
  if (!c.cvOnly) {
    const [Pd] = fit(c, all, X0, [Xdv0]);
    console.log(JSON.stringify(c), `extra ${extra.length} (dropped ${ex.droppedDev} dev near-dups) ${JSON.stringify(ex.counts)}`);
    console.log('  dev', line(dev, Pd), ((Date.now() - t0) / 1000).toFixed(0) + 's');
  }
  if (c.cv) {
    const folds = 5, oof = new Float32Array(tr.length * C);
    for (let f = 0; f < folds; f++) {
      const lo = heldOutMask('intent', tr, 'semroute-cv-v1', Math.round((100 * f) / folds)), hi = heldOutMask('intent', tr, 'semroute-cv-v1', Math.round((100 * (f + 1)) / folds));
      const held = hi.map((h, i) => h && !lo[i]);
      const keep = all.map((_, i) => i >= tr.length || !held[i]);
      const [Ph] = fit(c, all.filter((_, i) => keep[i]), pickRows(X0, keep), [pickRows(X0, held)]);
      let j = 0;
      held.forEach((h, i) => { if (h) oof.set(Ph.subarray(j * C, ++j * C), i * C); });
    }
    console.log(JSON.stringify(c), '  cv ', line(tr, oof), ((Date.now() - t0) / 1000).toFixed(0) + 's');
  }
}
