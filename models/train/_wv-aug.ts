// Dev-split experiment: GloVe nearest-neighbour word swaps as training-data augmentation (the pack's
// graph and size stay as they are). `npx tsx models/train/_wv-aug.ts <task> '<json configs>'`
// config: { copies, p, k, minSim, seed }.
import { loadTask, split, type Task, type Row } from './data.ts';
import { encodeCorpus, computeIdf, applyTfidf } from './features.ts';
import { train, predictAll } from './trainer.ts';
import { classificationReport, binaryReport } from './metrics.ts';
import { PACKS } from './packs.ts';
import { loadGlove } from './glove.ts';
import { rng } from './rng.ts';
const task = (process.argv[2] ?? 'domain') as Task;
const spec = PACKS[task]!;
const { train: tr, dev } = split(task, loadTask(task));
const fp = spec.featurizer, labels = spec.labels, C = labels.length;
const g = loadGlove(50000);
const D = g.dim;
// candidate words: alphabetic, 3+ letters, not among the 300 most frequent
const cand: number[] = [];
for (let r = 300; r < g.words.length; r++) if (/^[a-z]{3,}$/.test(g.words[r]!)) cand.push(r);
const unit = new Float32Array(cand.length * D);
cand.forEach((r, i) => { let n = 0; for (let d = 0; d < D; d++) n += g.vectors[r * D + d]! ** 2; n = Math.sqrt(n) || 1; for (let d = 0; d < D; d++) unit[i * D + d] = g.vectors[r * D + d]! / n; });
const candIx = new Map(cand.map((r, i) => [g.words[r]!, i]));
const used = new Set<number>();
for (const row of tr) for (const m of row.text.toLowerCase().matchAll(/[a-z]+/g)) { const i = candIx.get(m[0]); if (i !== undefined) used.add(i); }
const K = 5;
const nbr = new Map<string, { w: string; s: number }[]>();
let t0 = Date.now();
for (const i of used) {
  const best: { j: number; s: number }[] = [];
  const o = i * D;
  for (let j = 0; j < cand.length; j++) {
    if (j === i) continue;
    let s = 0; const q = j * D;
    for (let d = 0; d < D; d++) s += unit[o + d]! * unit[q + d]!;
    if (best.length < K || s > best[best.length - 1]!.s) { best.push({ j, s }); best.sort((a, b) => b.s - a.s); if (best.length > K) best.pop(); }
  }
  nbr.set(g.words[cand[i]!]!, best.map((b) => ({ w: g.words[cand[b.j]!]!, s: b.s })));
}
console.log(task, 'neighbours for', used.size, 'words in', (Date.now() - t0) / 1000, 's');
const base = encodeCorpus(tr.map((r) => r.text), fp, spec.maxLength);
const idf = computeIdf(base, fp.buckets, spec.idfPower);
const Xdv = applyTfidf(encodeCorpus(dev.map((r) => r.text), fp, spec.maxLength), idf);
for (const c of JSON.parse(process.argv[3] ?? '[{}]')) {
  t0 = Date.now();
  const rand = rng(c.seed ?? 1);
  const aug: Row[] = [];
  for (let k = 0; k < (c.copies ?? 0); k++)
    for (const row of tr) {
      if (c.only && !c.only.includes(row.label)) continue;
      const text = row.text.replace(/[A-Za-z]+/g, (w) => { const n = nbr.get(w.toLowerCase()); if (!n || rand() >= (c.p ?? 0.15)) return w; const ok = n.filter((x) => x.s >= (c.minSim ?? 0.6)); return ok.length ? ok[Math.floor(rand() * ok.length)]!.w : w; });
      aug.push({ ...row, text });
    }
  const rows = tr.concat(aug);
  const Xtr = applyTfidf(encodeCorpus(rows.map((r) => r.text), fp, spec.maxLength), idf);
  const y = Int32Array.from(rows, (r) => labels.indexOf(r.label));
  const sw = Float32Array.from(rows, (r, i) => { let w = i >= tr.length ? (c.augWeight ?? 1) : 1; for (const [k, v] of Object.entries(spec.sampleWeights ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v; return w; });
  const m = train(Xtr, y, { buckets: fp.buckets, classes: C, epochs: c.epochs ?? spec.epochs, lr: spec.lr, l2: spec.l2, balance: spec.balance, seed: c.tseed ?? spec.seed }, 'train', sw);
  const P = predictAll(m, Xdv, C);
  const gold = dev.map((r) => labels.indexOf(r.label));
  const pred = dev.map((_, i) => { let b = 0; for (let k = 1; k < C; k++) if (P[i * C + k]! > P[i * C + b]!) b = k; return b; });
  const rep = classificationReport(labels, gold, pred);
  const subSrc = task === 'domain' ? ['mmlu_pro_test'] : ['arena_hard_v2', 'mt_bench'];
  const sub = dev.map((r, i) => [r, i] as const).filter(([r]) => subSrc.some((s) => r.source.startsWith(s)));
  const rp = classificationReport(labels, sub.map(([, i]) => gold[i]!), sub.map(([, i]) => pred[i]!));
  let ex = '';
  if (task === 'jailbreak') { const sc = dev.map((_, i) => P[i * 2 + 1]!); const inj = dev.map((r, i) => [r, i] as const).filter(([r]) => r.attack_type === 'prompt_injection'); ex = [0.5, 0.7].map((t) => { const b = binaryReport(gold.map((x) => x === 1), sc, t); return `t${t} F1 ${b.f1.toFixed(3)} FPR ${b.fpr.toFixed(3)} inj ${(inj.filter(([, i]) => sc[i]! >= t).length / inj.length).toFixed(2)}`; }).join(' | '); }
  console.log(JSON.stringify(c), 'rows', rows.length, 'acc', rep.accuracy.toFixed(4), 'mF1', rep.macro_f1.toFixed(4), 'sub', rp.n, rp.accuracy.toFixed(4), ((Date.now() - t0) / 1000).toFixed(1) + 's', task === 'intent' ? rep.per_class.map((q) => q.label + ':' + q.recall.toFixed(3) + '/' + q.precision.toFixed(3)).join(' ') : '', ex);
}
