// Dev-split experiment: GloVe fallback rows for words unseen in training, fitted after training.
// G = ridge fit of the trained unigram rows U_w (K wide) on GloVe vectors e_w over training words;
// an unseen word w adds lambda * count/n * G e_w to the logits. `npx tsx models/train/_wv-post.ts <task>`
import { loadTask, split, type Task } from './data.ts';
import { encodeCorpus, computeIdf, applyTfidf } from './features.ts';
import { train, forward } from './trainer.ts';
import { classificationReport, binaryReport } from './metrics.ts';
import { PACKS } from './packs.ts';
import { loadGlove } from './glove.ts';
import { wordVectorTokens } from '../../src/classify/featurizers/word-vectors.ts';
import { HashedNgramsEncoder, parseHashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';
import { symEig } from './word-vectors.ts';
const task = (process.argv[2] ?? 'domain') as Task;
const spec = PACKS[task]!;
const { train: tr, dev } = split(task, loadTask(task));
const fp = spec.featurizer, labels = spec.labels, C = labels.length;
const Xtr0 = encodeCorpus(tr.map((r) => r.text), fp, spec.maxLength), Xdv0 = encodeCorpus(dev.map((r) => r.text), fp, spec.maxLength);
const idf = computeIdf(Xtr0, fp.buckets, spec.idfPower);
const Xtr = applyTfidf(Xtr0, idf), Xdv = applyTfidf(Xdv0, idf);
const ytr = Int32Array.from(tr, (r) => labels.indexOf(r.label));
const sw = Float32Array.from(tr, (r) => { let w = 1; for (const [k, v] of Object.entries(spec.sampleWeights ?? {})) if (r.source.startsWith(k) || r.attack_type === k) w *= v; return w; });
const m = train(Xtr, ytr, { buckets: fp.buckets, classes: C, epochs: spec.epochs, lr: spec.lr, l2: spec.l2, balance: spec.balance, seed: spec.seed }, 'train', sw);
const g = loadGlove(150000);
const uni = new HashedNgramsEncoder(parseHashedNgramsParams({ ...fp, char_ngrams: null, word_weights: [1] }), 16);
const uniId = (w: string) => { const r = uni.run(w); return r.length === 1 ? r.ids[0]! : -1; };
const voc = new Map<string, number>();
for (const r of tr) for (const w of wordVectorTokens(r.text)) voc.set(w, (voc.get(w) ?? 0) + 1);
// ridge: G [100, C] = (E^T E + mu I)^-1 E^T U over training words with a GloVe vector, weighted by idf of the word
const D = g.dim;
const A = new Float64Array(D * D), B = new Float64Array(D * C);
let nfit = 0;
for (const [w, cnt] of voc) {
  const r = g.index.get(w); if (r === undefined || cnt < 3 || !/^[a-z]/.test(w)) continue;
  const b = uniId(w); if (b < 0) continue;
  const e = g.vectors.subarray(r * D, (r + 1) * D);
  const u = m.table.subarray(b * C, (b + 1) * C);
  for (let i = 0; i < D; i++) { for (let j = 0; j < D; j++) A[i * D + j] += e[i]! * e[j]!; for (let k = 0; k < C; k++) B[i * C + k] += e[i]! * u[k]!; }
  nfit++;
}
for (let i = 0; i < D; i++) A[i * D + i] += 1e-2 * nfit;
const { w: ev, V } = symEig(A, D);
const G = new Float64Array(D * C); // V diag(1/ev) V^T B
for (let i = 0; i < D; i++) for (let k = 0; k < C; k++) { let s = 0; for (let e = 0; e < D; e++) { let t = 0; for (let j = 0; j < D; j++) t += V[j * D + e]! * B[j * C + k]!; s += V[i * D + e]! * t / ev[e]!; } G[i * C + k] = s; }
console.log('fit on', nfit, 'training words');
// dev: per row, wv logit add = sum over unseen GloVe words count * G e_w / n
const add = new Float32Array(dev.length * C);
let touched = 0;
dev.forEach((row, i) => {
  const toks = wordVectorTokens(row.text, fp.max_chars);
  let any = false;
  for (const w of toks) { if (voc.has(w)) continue; const r = g.index.get(w); if (r === undefined) continue; any = true; for (let k = 0; k < C; k++) { let s = 0; for (let d = 0; d < D; d++) s += g.vectors[r * D + d]! * G[d * C + k]!; add[i * C + k] += s / Math.max(1, toks.length); } }
  if (any) touched++;
});
console.log('dev rows with an unseen GloVe word', touched);
const gold = dev.map((r) => labels.indexOf(r.label));
const p = new Float32Array(C);
const logits = dev.map((_, i) => { const h = new Float32Array(C); forward({ ...m, hidden: undefined }, Xdv, i, p, h); return Float32Array.from(h); });
for (const lam of [0, 1, 3, 10, 30, 100]) {
  const P = new Float32Array(dev.length * C);
  dev.forEach((_, i) => { const z = logits[i]!.map((v, k) => v + lam * add[i * C + k]!); const mx = Math.max(...z); let s = 0; for (let k = 0; k < C; k++) s += P[i * C + k] = Math.exp(z[k]! - mx); for (let k = 0; k < C; k++) P[i * C + k]! /= s; });
  const pred = dev.map((_, i) => { let b = 0; for (let k = 1; k < C; k++) if (P[i * C + k]! > P[i * C + b]!) b = k; return b; });
  const rep = classificationReport(labels, gold, pred);
  let ex = '';
  if (task === 'jailbreak') { const sc = dev.map((_, i) => P[i * 2 + 1]!); const inj = dev.map((r, i) => [r, i] as const).filter(([r]) => r.attack_type === 'prompt_injection'); const b = binaryReport(gold.map((x) => x === 1), sc, 0.7); ex = `t0.7 F1 ${b.f1.toFixed(3)} FPR ${b.fpr.toFixed(3)} inj ${(inj.filter(([, i]) => sc[i]! >= 0.7).length / inj.length).toFixed(2)}`; }
  console.log('lambda', lam, 'acc', rep.accuracy.toFixed(4), 'mF1', rep.macro_f1.toFixed(4), task === 'intent' ? rep.per_class.map((q) => q.label + ':' + q.recall.toFixed(3)).join(' ') : '', ex);
}
