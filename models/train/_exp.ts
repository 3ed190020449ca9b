// Dev-split experiments (not part of `npm run train`): npx tsx models/train/_exp.ts <task> '<json configs>'
import { loadTask, split, type Task, type Row } from './data.ts';
import { encodeCorpus, computeIdf, applyTfidf, logNorms, appendDense, type Csr } from './features.ts';
import { train, predictAll } from './trainer.ts';
import { classificationReport, binaryReport } from './metrics.ts';
import { PACKS } from './packs.ts';
const task = process.argv[2] as Task;
const spec = PACKS[task];
const rows = loadTask(task);
const { train: tr, dev } = split(task, rows);
const labels = spec.labels;
const featCache = new Map<string, { Xtr: Csr; Xdv: Csr; ntr: Float32Array; ndv: Float32Array }>();
export function subject(r: Row & { orig_src?: string }): string {
  return (r.orig_src ?? '').replace(/^ori_mmlu-/, '').replace(/^(stemez|theoremQA|scibench)-.*$/, '$1');
}
const configs = JSON.parse(process.argv[3] ?? '[{}]');
const ensemble: Float32Array[] = [];
for (const c of configs) {
  const fp = { ...spec.featurizer, ...(c.feat ?? {}) };
  const key = JSON.stringify([fp, c.idfPow ?? 1]);
  let f = featCache.get(key);
  if (!f) {
    const Xtr0 = encodeCorpus(tr.map((r) => r.text), fp, 4096);
    const Xdv0 = encodeCorpus(dev.map((r) => r.text), fp, 4096);
    const idf = computeIdf(Xtr0, fp.buckets, c.idfPow ?? 1);
    f = { Xtr: applyTfidf(Xtr0, idf), Xdv: applyTfidf(Xdv0, idf), ntr: logNorms(Xtr0, idf), ndv: logNorms(Xdv0, idf) };
    featCache.set(key, f);
  }
  const t0 = Date.now();
  const lens = (n: Float32Array) => (c.len === 2 ? [n, n.map((v) => (v * v) / 8)] : [n]);
  const modR = (X: Csr): Csr => (c.rows ? { ...X, idx: X.idx.map((v) => v % c.rows) } : X);
  const Xtr = c.rows ? modR(f.Xtr) : c.len ? appendDense(f.Xtr, fp.buckets, lens(f.ntr)) : f.Xtr;
  const Xdv = c.rows ? modR(f.Xdv) : c.len ? appendDense(f.Xdv, fp.buckets, lens(f.ndv)) : f.Xdv;
  let cls = labels.slice();
  let coarse = labels.map((_, i) => i);
  let ytr: Int32Array;
  if (c.fine) {
    const keys = [...new Set(tr.map((r) => r.label + '|' + subject(r)))].sort();
    cls = keys;
    coarse = keys.map((k) => labels.indexOf(k.split('|')[0]));
    ytr = Int32Array.from(tr, (r) => keys.indexOf(r.label + '|' + subject(r)));
  } else ytr = Int32Array.from(tr, (r) => labels.indexOf(r.label));
  const NC = cls.length;
  const sw = Float32Array.from(tr, (r) => { let w = 1; for (const [k, v] of Object.entries(c.sw ?? spec.sampleWeights ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v as number; return w; });
  const m = train(Xtr, ytr, { buckets: (c.rows ?? fp.buckets) + (c.len ?? 0), classes: NC, epochs: c.epochs ?? spec.epochs, lr: c.lr ?? spec.lr, l2: c.l2 ?? spec.l2, balance: c.balance ?? spec.balance, seed: c.seed ?? 7, hidden: c.hidden, smooth: c.smooth, avgFrom: c.avgFrom }, 'train', sw);
  const P0 = predictAll(m, Xdv, NC);
  const C = labels.length;
  const P = new Float32Array(dev.length * C);
  for (let i = 0; i < dev.length; i++) for (let k = 0; k < NC; k++) P[i * C + coarse[k]] += P0[i * NC + k];
  if (c.ens) ensemble.push(P);
  const evalP = (P: Float32Array, tag: string) => {
    const bias = c.bias ?? {};
    const pred = Array.from({ length: dev.length }, (_, i) => { let b = 0, bv = -Infinity; for (let k = 0; k < C; k++) { const v = Math.log(P[i * C + k]) + (bias[labels[k]] ?? 0); if (v > bv) { bv = v; b = k; } } return b; });
    const gold = dev.map((r) => labels.indexOf(r.label));
    const rep = classificationReport(labels, gold, pred);
    const subSrc = task === 'domain' ? ['mmlu_pro_test'] : ['arena_hard_v2', 'mt_bench'];
    const pro = dev.map((r, i) => [r, i] as const).filter(([r]) => subSrc.some((s) => r.source.startsWith(s)));
    const rp = classificationReport(labels, pro.map(([, i]) => gold[i]), pro.map(([, i]) => pred[i]));
    let extra = '';
    if (c.dump === 'inj') dev.forEach((r, i) => { if (r.attack_type === 'prompt_injection') console.log('  INJ', P[i * C + 1].toFixed(2), r.source, JSON.stringify(r.text.slice(0, 200))); });
    if (c.dump) dev.forEach((r, i) => { if (gold[i] !== pred[i] && (c.dump === 1 || labels[gold[i]] === c.dump || labels[pred[i]] === c.dump)) console.log('  ERR', r.source, labels[gold[i]], '->', labels[pred[i]], P[i * C + pred[i]].toFixed(2), JSON.stringify(r.text.slice(0, 150))); });
    if (task === 'jailbreak') {
      const sc = dev.map((_, i) => P[i * 2 + 1]);
      extra = [0.5, 0.6, 0.7, 0.8].map((t) => { const b = binaryReport(gold.map((g) => g === 1), sc, t); const inj = dev.map((r, i) => [r, i] as const).filter(([r]) => r.attack_type === 'prompt_injection'); return `t${t}: F1 ${b.f1.toFixed(3)} FPR ${b.fpr.toFixed(3)} inj ${(inj.filter(([, i]) => sc[i] >= t).length / inj.length).toFixed(2)}`; }).join(' | ');
    }
    console.log(tag, 'acc', rep.accuracy.toFixed(4), 'mF1', rep.macro_f1.toFixed(4), 'sub', rp.n, rp.accuracy.toFixed(4), ((Date.now() - t0) / 1000).toFixed(1) + 's', task === 'intent' ? rep.per_class.map((m) => m.label + ':' + m.recall.toFixed(3) + '/' + m.precision.toFixed(3)).join(' ') : '', extra);
  };
  evalP(P, JSON.stringify(c));
  if (ensemble.length > 1 && c.ens) {
    const E = new Float32Array(P.length);
    if (c.geo) {
      for (const Q of ensemble) for (let i = 0; i < E.length; i++) E[i] += Math.log(Math.max(Q[i], 1e-12)) / ensemble.length;
      for (let i = 0; i < dev.length; i++) { let s = 0; for (let k = 0; k < C; k++) s += E[i * C + k] = Math.exp(E[i * C + k]); for (let k = 0; k < C; k++) E[i * C + k] /= s; }
    } else for (const Q of ensemble) for (let i = 0; i < E.length; i++) E[i] += Q[i] / ensemble.length;
    evalP(E, `  ensemble of ${ensemble.length}`);
  }
}
