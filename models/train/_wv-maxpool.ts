// Dev-split probe: how much class signal GloVe carries when pooled by max instead of mean.
// logit_k = max over the text's GloVe words w of e_w . G_k + b_k (exportable as Gather -> ReduceMax),
// trained with AdaGrad on the pack's labels. `npx tsx models/train/_wv-maxpool.ts <task> [epochs] [lr]`
import { loadTask, split, type Task } from './data.ts';
import { PACKS } from './packs.ts';
import { loadGlove } from './glove.ts';
import { wordVectorTokens } from '../../src/classify/featurizers/word-vectors.ts';
import { classificationReport } from './metrics.ts';
import { rng } from './rng.ts';
const task = (process.argv[2] ?? 'domain') as Task;
const epochs = Number(process.argv[3] ?? 10), lr = Number(process.argv[4] ?? 0.05);
const spec = PACKS[task]!;
const { train: tr, dev } = split(task, loadTask(task));
const labels = spec.labels, K = labels.length;
const g = loadGlove(100000), D = g.dim;
const words = (t: string) => [...new Set(wordVectorTokens(t, 8192).map((w) => g.index.get(w)).filter((r): r is number => r !== undefined && r >= 100))];
const Wtr = tr.map((r) => words(r.text)), Wdv = dev.map((r) => words(r.text));
const ytr = tr.map((r) => labels.indexOf(r.label));
const rand = rng(7);
const G = Float64Array.from({ length: D * K }, () => (rand() - 0.5) * 0.01), b = new Float64Array(K);
const gG = new Float64Array(D * K), gb = new Float64Array(K);
const counts = new Float64Array(K); for (const y of ytr) counts[y]++;
const cw = Array.from(counts, (n) => tr.length / (K * n));
function logits(ws: number[], arg: Int32Array): Float64Array {
  const z = new Float64Array(K).fill(-1e9);
  if (!ws.length) { z.fill(0); arg.fill(-1); }
  for (const r of ws) for (let k = 0; k < K; k++) { let s = 0; for (let d = 0; d < D; d++) s += g.vectors[r * D + d]! * G[d * K + k]!; if (s > z[k]!) { z[k] = s; arg[k] = r; } }
  for (let k = 0; k < K; k++) z[k] += b[k]!;
  return z;
}
const arg = new Int32Array(K);
for (let ep = 0; ep < epochs; ep++) {
  const order = Array.from(tr.keys()); for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j]!, order[i]!]; }
  let loss = 0;
  for (const i of order) {
    const z = logits(Wtr[i]!, arg); const mx = Math.max(...z); let s = 0; const p = z.map((v) => Math.exp(v - mx)); for (const v of p) s += v;
    loss -= Math.log(p[ytr[i]!]! / s);
    for (let k = 0; k < K; k++) {
      const gz = cw[ytr[i]!]! * (p[k]! / s - (k === ytr[i] ? 1 : 0));
      gb[k] += gz * gz; b[k] -= lr * gz / Math.sqrt(gb[k]! + 1e-8);
      const r = arg[k]!; if (r < 0) continue;
      for (let d = 0; d < D; d++) { const gg = gz * g.vectors[r * D + d]!; const q = d * K + k; gG[q] += gg * gg; G[q] -= lr * gg / Math.sqrt(gG[q]! + 1e-8); }
    }
  }
  const pred = Wdv.map((ws) => { const z = logits(ws, arg); let bk = 0; for (let k = 1; k < K; k++) if (z[k]! > z[bk]!) bk = k; return bk; });
  const rep = classificationReport(labels, dev.map((r) => labels.indexOf(r.label)), pred);
  console.log('epoch', ep + 1, 'loss', (loss / tr.length).toFixed(4), 'dev acc', rep.accuracy.toFixed(4), 'mF1', rep.macro_f1.toFixed(4));
}
