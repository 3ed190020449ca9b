// Dev-split experiments for the GloVe word-vector block: `npx tsx models/train/_wv-exp.ts <task> '<json configs>'`.
import { loadTask, split, fineLabel, type Task } from './data.ts';
import { encodeCorpus, computeIdf, applyTfidf, appendDense, type Csr } from './features.ts';
import { train, predictAll } from './trainer.ts';
import { classificationReport, binaryReport } from './metrics.ts';
import { PACKS } from './packs.ts';
import { loadGlove } from './glove.ts';
import { encodeWv, buildWvTable, denseWv, fitWhitening, applyWhitening, type WvSpec } from './word-vectors.ts';
const task = (process.argv[2] ?? 'domain') as Task;
const spec = PACKS[task]!;
const rows = loadTask(task);
const { train: tr, dev } = split(task, rows);
const labels = spec.labels;
const fp = spec.featurizer;
let t0 = Date.now();
const Xtr0 = encodeCorpus(tr.map((r) => r.text), fp, spec.maxLength);
const Xdv0 = encodeCorpus(dev.map((r) => r.text), fp, spec.maxLength);
const idf = computeIdf(Xtr0, fp.buckets, spec.idfPower);
const XtrS = applyTfidf(Xtr0, idf), XdvS = applyTfidf(Xdv0, idf);
console.log(task, 'train', tr.length, 'dev', dev.length, 'sparse encode', (Date.now() - t0) / 1000, 's');
const glove = loadGlove();
const wvCache = new Map<string, ReturnType<typeof encodeWv>[]>();
const configs = JSON.parse(process.argv[3] ?? '[{}]');
const ensemble: Float32Array[] = [];
for (const c of configs) {
  t0 = Date.now();
  let Xtr: Csr = XtrS, Xdv: Csr = XdvS;
  const modR = (X: Csr): Csr => (c.rows ? { ...X, idx: X.idx.map((v) => v % c.rows) } : X);
  Xtr = modR(Xtr), Xdv = modR(Xdv);
  const base = c.rows ?? fp.buckets;
  let extra = 0;
  if (c.wv) {
    const w: WvSpec = { params: { buckets: c.wv.buckets ?? 1 << 17, seed: 11 }, maxWords: c.wv.maxWords ?? 100000, trainWords: c.wv.trainWords, weight: c.wv.weight ?? 'sif-rank', sifA: c.wv.a, scale: c.wv.scale ?? 1 };
    const key = JSON.stringify(w.params);
    if (!wvCache.has(key)) wvCache.set(key, [encodeWv(tr.map((r) => r.text), w.params, spec.maxLength, fp.max_chars), encodeWv(dev.map((r) => r.text), w.params, spec.maxLength, fp.max_chars)]);
    const [wtr, wdv] = wvCache.get(key)!;
    const T = buildWvTable(glove, w, tr.map((r) => r.text), fp.max_chars);
    let dtr = denseWv(wtr, T, w.scale), ddv = denseWv(wdv, T, w.scale);
    if (c.whiten) { const wh = fitWhitening(dtr, c.whiten); dtr = applyWhitening(dtr, wh, c.wscale ?? 0.1); ddv = applyWhitening(ddv, wh, c.wscale ?? 0.1); }
    Xtr = appendDense(Xtr, base, dtr);
    Xdv = appendDense(Xdv, base, ddv);
    extra = dtr.length;
    if (c.wvOnly) { const strip = (X: Csr): Csr => { const ptr = [0], idx: number[] = [], val: number[] = []; for (let r = 0; r < X.rows; r++) { for (let k = X.ptr[r]; k < X.ptr[r + 1]; k++) if (X.idx[k] >= base) idx.push(X.idx[k]), val.push(X.val[k]); ptr.push(idx.length); } return { rows: X.rows, ptr: Int32Array.from(ptr), idx: Int32Array.from(idx), val: Float32Array.from(val) }; }; Xtr = strip(Xtr); Xdv = strip(Xdv); }
    process.stdout.write(`  wv owned ${T.owned} of ${w.params.buckets} buckets; `);
  }
  let cls = labels.slice(), coarse = labels.map((_, i) => i);
  let ytr: Int32Array;
  if (c.fine) { const keys = [...new Set(tr.map(fineLabel))].sort(); cls = keys; coarse = keys.map((k) => labels.indexOf(k.split('|')[0]!)); ytr = Int32Array.from(tr, (r) => keys.indexOf(fineLabel(r))); }
  else ytr = Int32Array.from(tr, (r) => labels.indexOf(r.label));
  const NC = cls.length;
  const sw = Float32Array.from(tr, (r) => { let w = 1; for (const [k, v] of Object.entries(spec.sampleWeights ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v; return w; });
  const m = train(Xtr, ytr, { buckets: base + extra, classes: NC, epochs: c.epochs ?? spec.epochs, lr: c.lr ?? spec.lr, l2: c.l2 ?? spec.l2, balance: c.balance ?? spec.balance, seed: c.seed ?? spec.seed, hidden: c.hidden }, 'train', sw);
  const P0 = predictAll(m, Xdv, NC);
  const C = labels.length;
  const P = new Float32Array(dev.length * C);
  for (let i = 0; i < dev.length; i++) for (let k = 0; k < NC; k++) P[i * C + coarse[k]!] += P0[i * NC + k]!;
  const evalP = (P: Float32Array, tag: string) => {
    const gold = dev.map((r) => labels.indexOf(r.label));
    const pred = Array.from({ length: dev.length }, (_, i) => { let b = 0; for (let k = 1; k < C; k++) if (P[i * C + k]! > P[i * C + b]!) b = k; return b; });
    const rep = classificationReport(labels, gold, pred);
    const subSrc = task === 'domain' ? ['mmlu_pro_test'] : ['arena_hard_v2', 'mt_bench'];
    const sub = dev.map((r, i) => [r, i] as const).filter(([r]) => subSrc.some((s) => r.source.startsWith(s)));
    const rp = classificationReport(labels, sub.map(([, i]) => gold[i]!), sub.map(([, i]) => pred[i]!));
    let ex = '';
    if (task === 'jailbreak') {
      const sc = dev.map((_, i) => P[i * 2 + 1]!);
      const inj = dev.map((r, i) => [r, i] as const).filter(([r]) => r.attack_type === 'prompt_injection');
      ex = [0.5, 0.6, 0.7, 0.8].map((t) => { const b = binaryReport(gold.map((g) => g === 1), sc, t); return `t${t}: F1 ${b.f1.toFixed(3)} FPR ${b.fpr.toFixed(3)} inj ${(inj.filter(([, i]) => sc[i]! >= t).length / inj.length).toFixed(2)}`; }).join(' | ');
    }
    console.log(tag, 'acc', rep.accuracy.toFixed(4), 'mF1', rep.macro_f1.toFixed(4), 'sub', rp.n, rp.accuracy.toFixed(4), ((Date.now() - t0) / 1000).toFixed(1) + 's', task === 'intent' ? rep.per_class.map((m) => m.label + ':' + m.recall.toFixed(3) + '/' + m.precision.toFixed(3)).join(' ') : '', ex);
  };
  evalP(P, JSON.stringify(c));
  if (c.ens) { ensemble.push(P); if (ensemble.length > 1) { const E = new Float32Array(P.length); for (const Q of ensemble) for (let i = 0; i < E.length; i++) E[i] += Q[i]! / ensemble.length; evalP(E, `  ensemble of ${ensemble.length}`); } }
}
