// The PII token model: hashed-feature embedding bags, one hidden layer per token, then a context
// layer that sees the hidden states of the token and its neighbours (so "Forbes" after a likely
// first name can become I-PERSON), then per-token softmax over BIO labels.
//   x_t = sum_k E[id_tk]                        E: [buckets, D]
//   h_t = relu(x_t + b1)                        [D]
//   c_t = [h_{t-1}; h_t; h_{t+1}]  (zeros past the edges)
//   g_t = relu(Wc^T c_t + bc)                   Wc: [3D, G]
//   p_t = softmax(Wo^T g_t + bo)                Wo: [G, L]
// AdaGrad per sentence (rows of E updated only when seen), feature dropout so no single memorised
// context word carries a decision. Deterministic given the seed.
import type { EncodedSet } from './encode.ts';
import { rng } from '../rng.ts';

export interface PiiNet {
  buckets: number;
  dim: number;
  ctx: number;
  labels: number;
  E: Float32Array; // [buckets, D]
  b1: Float32Array; // [D]
  Wc: Float32Array; // [3D, G]
  bc: Float32Array; // [G]
  Wo: Float32Array; // [G, L]
  bo: Float32Array; // [L]
}

export interface TrainOpts {
  buckets: number;
  dim: number;
  ctx: number;
  labels: number;
  epochs: number;
  lr: number;
  dropout: number;
  seed: number;
  rowWeight?: Float32Array;
  /** Templates that read neighbouring words (1) vs the token itself (0), for context dropout. */
  contextTemplates?: Uint8Array;
  /** Share of tokens whose context-template features are all dropped, so the token's own features must decide. */
  contextDropout?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

function uniform(n: number, a: number, r: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * a;
  return out;
}

export function initNet(o: Pick<TrainOpts, 'buckets' | 'dim' | 'ctx' | 'labels' | 'seed'>): PiiNet {
  const r = rng(o.seed);
  const { dim: D, ctx: G, labels: L } = o;
  return {
    buckets: o.buckets, dim: D, ctx: G, labels: L,
    E: uniform(o.buckets * D, 0.01, r),
    b1: new Float32Array(D),
    Wc: uniform(3 * D * G, Math.sqrt(6 / (3 * D + G)), r),
    bc: new Float32Array(G),
    Wo: uniform(G * L, Math.sqrt(6 / (G + L)), r),
    bo: new Float32Array(L),
  };
}

interface Acts {
  h: Float32Array; // [T, D]
  g: Float32Array; // [T, G]
  p: Float32Array; // [T, L]
}

/** Forward over tokens [from, to) as one sentence; `keep` masks features (training dropout). */
function run(net: PiiNet, ids: Int32Array, K: number, from: number, to: number, E: Float32Array, keep?: Uint8Array, scale = 1): Acts {
  const { dim: D, ctx: G, labels: L } = net;
  const T = to - from;
  const h = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    const o = t * D;
    for (let k = 0; k < K; k++) {
      if (keep && !keep[t * K + k]) continue;
      const row = ids[(from + t) * K + k]! * D;
      for (let d = 0; d < D; d++) h[o + d]! += E[row + d]!;
    }
    for (let d = 0; d < D; d++) {
      const v = h[o + d]! * scale + net.b1[d]!;
      h[o + d] = v > 0 ? v : 0;
    }
  }
  const g = new Float32Array(T * G);
  const p = new Float32Array(T * L);
  for (let t = 0; t < T; t++) {
    const go = t * G;
    g.set(net.bc, go);
    for (let j = 0; j < 3; j++) {
      const s = t + j - 1;
      if (s < 0 || s >= T) continue;
      for (let d = 0; d < D; d++) {
        const hv = h[s * D + d]!;
        if (hv === 0) continue;
        const w = (j * D + d) * G;
        for (let c = 0; c < G; c++) g[go + c]! += hv * net.Wc[w + c]!;
      }
    }
    for (let c = 0; c < G; c++) if (g[go + c]! < 0) g[go + c] = 0;
    const po = t * L;
    let max = -Infinity;
    for (let l = 0; l < L; l++) {
      let z = net.bo[l]!;
      for (let c = 0; c < G; c++) z += g[go + c]! * net.Wo[c * L + l]!;
      p[po + l] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let l = 0; l < L; l++) sum += p[po + l] = Math.exp(p[po + l]! - max);
    for (let l = 0; l < L; l++) p[po + l]! /= sum;
  }
  return { h, g, p };
}

/** Probabilities [to-from, labels] for one sentence's tokens. */
export function forward(net: PiiNet, set: EncodedSet, from: number, to: number, E = net.E): Float32Array {
  return run(net, set.ids, set.K, from, to, E).p;
}

function adagrad(w: Float32Array, acc: Float32Array, grad: Float32Array, lr: number): void {
  for (let i = 0; i < w.length; i++) {
    const g = grad[i]!;
    if (g === 0) continue;
    acc[i]! += g * g;
    w[i]! -= (lr * g) / (Math.sqrt(acc[i]!) + 1e-8);
    grad[i] = 0;
  }
}

export function train(set: EncodedSet, o: TrainOpts): PiiNet {
  const net = initNet(o);
  const { dim: D, ctx: G, labels: L } = net;
  const K = set.K;
  const acc = { E: new Float32Array(net.E.length), b1: new Float32Array(D), Wc: new Float32Array(net.Wc.length), bc: new Float32Array(G), Wo: new Float32Array(net.Wo.length), bo: new Float32Array(L) };
  const grad = { b1: new Float32Array(D), Wc: new Float32Array(net.Wc.length), bc: new Float32Array(G), Wo: new Float32Array(net.Wo.length), bo: new Float32Array(L) };
  const r = rng(o.seed ^ 0x5bd1e995);
  const rows = Array.from({ length: set.rowStart.length - 1 }, (_, i) => i);
  const scale = 1 / (1 - o.dropout);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    let loss = 0;
    let count = 0;
    for (const row of rows) {
      const from = set.rowStart[row]!;
      const to = set.rowStart[row + 1]!;
      const T = to - from;
      if (T === 0) continue;
      const w = o.rowWeight ? o.rowWeight[row]! : 1;
      const keep = new Uint8Array(T * K);
      for (let i = 0; i < keep.length; i++) keep[i] = r() >= o.dropout ? 1 : 0;
      if (o.contextDropout && o.contextTemplates) {
        for (let t = 0; t < T; t++) {
          if (r() >= o.contextDropout) continue;
          for (let k = 0; k < K; k++) if (o.contextTemplates[k]) keep[t * K + k] = 0;
        }
      }
      const { h, g, p } = run(net, set.ids, K, from, to, net.E, keep, scale);
      const dh = new Float32Array(T * D);
      for (let t = 0; t < T; t++) {
        const y = set.labels[from + t]!;
        loss -= Math.log(Math.max(p[t * L + y]!, 1e-12));
        count++;
        const dz = p.subarray(t * L, t * L + L);
        dz[y]! -= 1;
        for (let l = 0; l < L; l++) {
          dz[l]! *= w;
          grad.bo[l]! += dz[l]!;
        }
        const dg = new Float32Array(G);
        for (let c = 0; c < G; c++) {
          const gv = g[t * G + c]!;
          if (gv === 0) continue;
          let s = 0;
          for (let l = 0; l < L; l++) {
            s += net.Wo[c * L + l]! * dz[l]!;
            grad.Wo[c * L + l]! += gv * dz[l]!;
          }
          dg[c] = s;
          grad.bc[c]! += s;
        }
        for (let j = 0; j < 3; j++) {
          const s = t + j - 1;
          if (s < 0 || s >= T) continue;
          for (let d = 0; d < D; d++) {
            const hv = h[s * D + d]!;
            if (hv === 0) continue;
            const wi = (j * D + d) * G;
            let acc2 = 0;
            for (let c = 0; c < G; c++) {
              const dgc = dg[c]!;
              if (dgc === 0) continue;
              acc2 += net.Wc[wi + c]! * dgc;
              grad.Wc[wi + c]! += hv * dgc;
            }
            dh[s * D + d]! += acc2;
          }
        }
      }
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < D; d++) {
          if (h[t * D + d] === 0) dh[t * D + d] = 0;
          grad.b1[d]! += dh[t * D + d]!;
        }
        for (let k = 0; k < K; k++) {
          if (!keep[t * K + k]) continue;
          const base = set.ids[(from + t) * K + k]! * D;
          for (let d = 0; d < D; d++) {
            const gv = dh[t * D + d]! * scale;
            if (gv === 0) continue;
            acc.E[base + d]! += gv * gv;
            net.E[base + d]! -= (o.lr * gv) / (Math.sqrt(acc.E[base + d]!) + 1e-8);
          }
        }
      }
      adagrad(net.b1, acc.b1, grad.b1, o.lr);
      adagrad(net.Wc, acc.Wc, grad.Wc, o.lr);
      adagrad(net.bc, acc.bc, grad.bc, o.lr);
      adagrad(net.Wo, acc.Wo, grad.Wo, o.lr);
      adagrad(net.bo, acc.bo, grad.bo, o.lr);
    }
    o.onEpoch?.(epoch + 1, loss / Math.max(1, count));
  }
  return net;
}
