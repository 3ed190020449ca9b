// Sparse softmax classifier over TF-IDF rows: linear (table [V, C]) or one hidden ReLU layer
// (table [V, H] -> W2 [H, C]). AdaGrad, per-example updates, class-balanced example weights,
// L2 applied to the rows an example touches. Deterministic for a given seed.
import type { Csr } from './features.ts';
import { shuffleInPlace } from './data.ts';
import { rng } from './rng.ts';
import { Progress } from './progress.ts';

export interface TrainConfig {
  buckets: number;
  classes: number;
  hidden?: number;
  epochs: number;
  lr: number;
  l2: number;
  /** example weight = (N / (C * n_class)) ** balance */
  balance: number;
  seed: number;
  /** Label smoothing: the target puts this much mass uniformly on all classes. */
  smooth?: number;
  /** Polyak-style averaging: the returned weights are the mean of the end-of-epoch snapshots from this epoch on (1-based). */
  avgFrom?: number;
}

export interface TrainedModel {
  dim: number; // table width: C (linear) or H (hidden)
  table: Float32Array;
  bias: Float32Array;
  hidden?: { w: Float32Array; b: Float32Array; out: number };
}

export function forward(m: TrainedModel, csr: Csr, r: number, out: Float32Array, hbuf?: Float32Array): void {
  const D = m.dim;
  const h = hbuf ?? new Float32Array(D);
  h.set(m.bias);
  for (let k = csr.ptr[r]; k < csr.ptr[r + 1]; k++) {
    const x = csr.val[k];
    const o = csr.idx[k] * D;
    for (let d = 0; d < D; d++) h[d] += x * m.table[o + d];
  }
  let z: Float32Array = h;
  if (m.hidden) {
    const C = m.hidden.out;
    z = out;
    z.set(m.hidden.b);
    for (let d = 0; d < D; d++) {
      const a = h[d] > 0 ? h[d] : 0;
      if (a === 0) continue;
      for (let c = 0; c < C; c++) z[c] += a * m.hidden.w[d * C + c];
    }
  } else out.set(h);
  softmaxInPlace(out);
}

export function softmaxInPlace(z: Float32Array): void {
  let mx = -Infinity;
  for (const v of z) mx = Math.max(mx, v);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += z[i] = Math.exp(z[i] - mx);
  for (let i = 0; i < z.length; i++) z[i] /= s;
}

export function predictAll(m: TrainedModel, csr: Csr, classes: number): Float32Array {
  const out = new Float32Array(csr.rows * classes);
  const p = new Float32Array(classes);
  const hb = new Float32Array(m.dim);
  for (let r = 0; r < csr.rows; r++) {
    forward(m, csr, r, p, hb);
    out.set(p, r * classes);
  }
  return out;
}

export function train(csr: Csr, y: Int32Array, cfg: TrainConfig, label = 'train', sampleWeight?: Float32Array): TrainedModel {
  const rand = rng(cfg.seed);
  const C = cfg.classes;
  const H = cfg.hidden ?? 0;
  const D = H || C;
  const V = cfg.buckets;
  const table = new Float32Array(V * D);
  const gT = new Float32Array(V * D);
  const bias = new Float32Array(D);
  const gB = new Float32Array(D);
  let w2: Float32Array | undefined, b2: Float32Array | undefined, gW2: Float32Array | undefined, gB2: Float32Array | undefined;
  if (H) {
    const s = 1 / Math.sqrt(H);
    w2 = Float32Array.from({ length: H * C }, () => (rand() * 2 - 1) * s);
    b2 = new Float32Array(C);
    gW2 = new Float32Array(H * C);
    gB2 = new Float32Array(C);
    for (let i = 0; i < table.length; i++) table[i] = (rand() * 2 - 1) * 0.01;
    bias.fill(0.01);
  }
  const counts = new Float64Array(C);
  for (let i = 0; i < y.length; i++) counts[y[i]] += sampleWeight ? sampleWeight[i] : 1;
  const total = counts.reduce((a, b) => a + b, 0);
  const cw = Array.from(counts, (n) => (n ? (total / (C * n)) ** cfg.balance : 0));
  const order = Int32Array.from({ length: csr.rows }, (_, i) => i);
  const model: TrainedModel = { dim: D, table, bias, hidden: H ? { w: w2!, b: b2!, out: C } : undefined };
  const p = new Float32Array(C);
  const h = new Float32Array(D);
  const dz = new Float32Array(D);
  const eps = 1e-8;
  const bar = new Progress(label, cfg.epochs * csr.rows);
  let avg: { table: Float64Array; bias: Float64Array; w2?: Float64Array; b2?: Float64Array; n: number } | undefined;
  for (let ep = 0; ep < cfg.epochs; ep++) {
    shuffleInPlace(order, rand);
    let loss = 0;
    for (let n = 0; n < order.length; n++) {
      const r = order[n];
      forward(model, csr, r, p, h);
      const wgt = cw[y[r]] * (sampleWeight ? sampleWeight[r] : 1);
      loss -= wgt * Math.log(Math.max(p[y[r]], 1e-12));
      // dL/dlogits
      const sm = cfg.smooth ?? 0;
      for (let c = 0; c < C; c++) p[c] = wgt * (p[c] - (c === y[r] ? 1 - sm : 0) - sm / C);
      if (H) {
        for (let d = 0; d < H; d++) {
          let g = 0;
          if (h[d] > 0) for (let c = 0; c < C; c++) g += w2![d * C + c] * p[c];
          dz[d] = g;
          if (h[d] > 0)
            for (let c = 0; c < C; c++) {
              const gw = h[d] * p[c] + cfg.l2 * w2![d * C + c];
              gW2![d * C + c] += gw * gw;
              w2![d * C + c] -= (cfg.lr * gw) / Math.sqrt(gW2![d * C + c] + eps);
            }
        }
        for (let c = 0; c < C; c++) {
          gB2![c] += p[c] * p[c];
          b2![c] -= (cfg.lr * p[c]) / Math.sqrt(gB2![c] + eps);
        }
      } else dz.set(p);
      for (let d = 0; d < D; d++) {
        gB[d] += dz[d] * dz[d];
        bias[d] -= (cfg.lr * dz[d]) / Math.sqrt(gB[d] + eps);
      }
      for (let k = csr.ptr[r]; k < csr.ptr[r + 1]; k++) {
        const x = csr.val[k];
        const o = csr.idx[k] * D;
        for (let d = 0; d < D; d++) {
          const g = x * dz[d] + cfg.l2 * table[o + d];
          if (g === 0) continue;
          gT[o + d] += g * g;
          table[o + d] -= (cfg.lr * g) / Math.sqrt(gT[o + d] + eps);
        }
      }
      if ((n & 1023) === 0) bar.tick(ep * csr.rows + n, `epoch ${ep + 1}/${cfg.epochs}`);
    }
    bar.tick((ep + 1) * csr.rows, `epoch ${ep + 1}/${cfg.epochs} loss ${(loss / csr.rows).toFixed(4)}`);
    if (cfg.avgFrom && ep + 1 >= cfg.avgFrom) {
      avg ??= { table: new Float64Array(table.length), bias: new Float64Array(bias.length), w2: w2 && new Float64Array(w2.length), b2: b2 && new Float64Array(b2.length), n: 0 };
      const add = (a: Float64Array | undefined, b: Float32Array | undefined) => { if (a && b) for (let i = 0; i < b.length; i++) a[i] += b[i]; };
      add(avg.table, table), add(avg.bias, bias), add(avg.w2, w2), add(avg.b2, b2);
      avg.n++;
    }
  }
  if (avg) {
    const n = avg.n;
    const put = (dst: Float32Array | undefined, src: Float64Array | undefined) => { if (dst && src) for (let i = 0; i < dst.length; i++) dst[i] = src[i] / n; };
    put(table, avg.table), put(bias, avg.bias), put(w2, avg.w2), put(b2, avg.b2);
  }
  return model;
}
