import { loadTask, split, type Task } from './data.ts';
import { encodeCorpus, computeIdf, applyTfidf } from './features.ts';
import { train, predictAll } from './trainer.ts';
import { classificationReport, binaryReport } from './metrics.ts';
import { DEFAULT_HASHED_NGRAMS } from '../../src/classify/featurizers/hashed-ngrams.ts';
const task = (process.argv[2] ?? 'domain') as Task;
const rows = loadTask(task);
const { train: tr, dev } = split(task, rows);
const labels = [...new Set(rows.map((r) => r.label))].sort();
console.log(task, 'train', tr.length, 'dev', dev.length);
const configs = JSON.parse(process.argv[3] ?? '[{}]');
for (const c of configs) {
  const fp = { ...DEFAULT_HASHED_NGRAMS, ...(c.feat ?? {}) };
  const t0 = Date.now();
  const Xtr0 = encodeCorpus(tr.map((r) => r.text), fp, 4096);
  const Xdv0 = encodeCorpus(dev.map((r) => r.text), fp, 4096);
  const idf = computeIdf(Xtr0, fp.buckets, c.idfPow ?? 1);
  const Xtr = applyTfidf(Xtr0, idf), Xdv = applyTfidf(Xdv0, idf);
  const ytr = Int32Array.from(tr, (r) => (c.three && r.attack_type === 'prompt_injection' ? 2 : labels.indexOf(r.label)));
  const NC = c.three ? 3 : labels.length;
  const sw = Float32Array.from(tr, (r) => { let w = 1; for (const [k, v] of Object.entries(c.sw ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v as number; return w; });
  const m = train(Xtr, ytr, { buckets: fp.buckets, classes: NC, epochs: c.epochs ?? 8, lr: c.lr ?? 0.2, l2: c.l2 ?? 1e-6, balance: c.balance ?? 0.5, seed: 7, hidden: c.hidden }, 'train', sw);
  const P0 = predictAll(m, Xdv, NC);
  const P = c.three ? Float32Array.from({ length: dev.length * 2 }, (_, k) => (k % 2 === 0 ? P0[(k >> 1) * 3] : 1 - P0[(k >> 1) * 3])) : P0;
  const pred = Array.from({ length: dev.length }, (_, i) => { let b = 0; for (let k = 1; k < labels.length; k++) if (P[i * labels.length + k] > P[i * labels.length + b]) b = k; return b; });
  const gold = dev.map((r) => labels.indexOf(r.label));
  const rep = classificationReport(labels, gold, pred);
  const pro = dev.map((r, i) => [r, i] as const).filter(([r]) => r.source === 'mmlu_pro_test' || r.source.startsWith('arena') || r.source === 'mt_bench');
  const rp = classificationReport(labels, pro.map(([, i]) => gold[i]), pro.map(([, i]) => pred[i]));
  if (c.confusion) { const M: Record<string, number> = {}; pro.forEach(([r, i]) => { if (gold[i] !== pred[i]) { const k = labels[gold[i]] + '->' + labels[pred[i]]; M[k] = (M[k] ?? 0) + 1; } }); console.log(M); }
  if (task === 'jailbreak') {
    const line = [0.3, 0.5, 0.7, 0.8, 0.9].map((t) => { const sc = dev.map((_, i) => P[i * 2 + 1]); const b = binaryReport(gold.map((g) => g === 1), sc, t); const inj = dev.map((r, i) => [r, i] as const).filter(([r]) => r.attack_type === 'prompt_injection'); const rp = dev.map((r, i) => [r, i] as const).filter(([r]) => r.source === 'awesome_chatgpt_prompts'); return `t${t}: F1 ${b.f1.toFixed(3)} FPR ${b.fpr.toFixed(3)} inj ${(inj.filter(([, i]) => sc[i] >= t).length / inj.length).toFixed(2)} rp ${rp.filter(([, i]) => sc[i] >= t).length}`; });
    console.log(JSON.stringify(c), line.join(' | '));
  }
  console.log(JSON.stringify(c), 'acc', rep.accuracy.toFixed(4), 'mF1', rep.macro_f1.toFixed(4), 'sub', rp.n, rp.accuracy.toFixed(4), ((Date.now() - t0) / 1000).toFixed(1) + 's', task === 'intent' ? rep.per_class.map((m) => m.label + ':' + m.recall.toFixed(3)).join(' ') : '');
}
