// The PII token model: hashed-feature embedding bags, one hidden layer per token, then a context
// layer that sees the hidden states of the token and its neighbours (so "Forbes" after a likely
// first name can become I-PERSON), then per-token softmax over BIO labels.
//   x_t = sum_k E[id_tk]                        E: [buckets, D]
//   h_t = relu(x_t + b1)                        [D]
//   c_t = [h_{t-1}; h_t; h_{t+1}]  (zeros past the edges)
//   g_t = relu(Wc^T c_t + bc)                   Wc: [3D, G]
//   p_t = softmax(Wo^T g_t + bo)                Wo: [G, L]
// Optional pretrained word vectors v_t (GloVe, wordvec.ts), reduced to R dims by a learned A and
// read over a window of 2W+1 tokens, added to the bag before the ReLU:
//   u_t = A^T v_t                               A: [V, R]   (shipped as a per-word int8 table)
//   x_t += B^T [u_{t-W}; ..; u_{t+W}]           B: [(2W+1)R, D]
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
  /** Word-vector path (see the header), when the net has one. */
  wv?: WordVecPath;
}

export interface WordVecPath {
  vdim: number; // V
  rank: number; // R
  win: number; // W
  A: Float32Array; // [V, R]
  B: Float32Array; // [(2W+1)R, D]
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
  /** Templates that read the token's own spelling (w, lw, affixes), for word dropout. */
  wordTemplates?: Uint8Array;
  /** Share of tokens whose spelling features are all dropped (word dropout), so shape, context and the word vector must decide. */
  wordDropout?: number;
  onEpoch?: (epoch: number, loss: number) => void;
  /** Pretrained word vectors [N, dim] (set.wv holds each token's row, -1: none), reduced to `rank` dims, window `win`. */
  wordVecs?: { vectors: Float32Array; dim: number; rank: number; win: number; dropout: number };
}

function uniform(n: number, a: number, r: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * a;
  return out;
}

export function initNet(o: Pick<TrainOpts, 'buckets' | 'dim' | 'ctx' | 'labels' | 'seed' | 'wordVecs'>): PiiNet {
  const r = rng(o.seed);
  const { dim: D, ctx: G, labels: L } = o;
  const w = o.wordVecs;
  const r2 = rng(o.seed ^ 0x2545f491); // own stream: a net without word vectors draws exactly as before
  const wv = w && { vdim: w.dim, rank: w.rank, win: w.win, A: uniform(w.dim * w.rank, Math.sqrt(3 / w.dim), r2), B: uniform((2 * w.win + 1) * w.rank * D, 0.01, r2) };
  return {
    ...(wv ? { wv } : {}),
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

/** u_t = A^T v_t for tokens [from, to) ([T, R]; zero rows for tokens without a vector or dropped). */
export function reduceWordVecs(p: WordVecPath, wv: Int32Array, from: number, to: number, vecs: Float32Array, keep?: () => boolean, scale = 1): Float32Array {
  const { vdim: V, rank: R, A } = p;
  const u = new Float32Array((to - from) * R);
  for (let t = 0; t < to - from; t++) {
    const w = wv[from + t]!;
    if (w < 0 || (keep && !keep())) continue;
    for (let j = 0; j < V; j++) {
      const v = vecs[w * V + j]! * scale;
      for (let q = 0; q < R; q++) u[t * R + q]! += v * A[j * R + q]!;
    }
  }
  return u;
}

/**
 * Forward over tokens [from, to) as one sentence; `keep` masks features (training dropout).
 * `u` [T, R]: the reduced word vectors (reduceWordVecs or the shipped table), when the net has them.
 */
function run(net: PiiNet, ids: Int32Array, K: number, from: number, to: number, E: Float32Array, keep?: Uint8Array, scale = 1, u?: Float32Array): Acts {
  const { dim: D, ctx: G, labels: L } = net;
  const T = to - from;
  const h = new Float32Array(T * D);
  if (u && net.wv) addWordVecs(net.wv, D, u, T, h, 1 / scale);
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

/** h_t += B^T [u_{t-W}; ..; u_{t+W}] * f (f undoes the bag's dropout scale applied after). */
function addWordVecs(p: WordVecPath, D: number, u: Float32Array, T: number, h: Float32Array, f: number): void {
  const { rank: R, win: W, B } = p;
  for (let t = 0; t < T; t++) {
    for (let j = -W; j <= W; j++) {
      const s = t + j;
      if (s < 0 || s >= T) continue;
      for (let q = 0; q < R; q++) {
        const uv = u[s * R + q]! * f;
        if (uv === 0) continue;
        const b = ((j + W) * R + q) * D;
        for (let d = 0; d < D; d++) h[t * D + d]! += uv * B[b + d]!;
      }
    }
  }
}

/** Probabilities [to-from, labels] for one sentence's tokens; `u` as in run. */
export function forward(net: PiiNet, set: EncodedSet, from: number, to: number, E = net.E, u?: Float32Array): Float32Array {
  return run(net, set.ids, set.K, from, to, E, undefined, 1, u).p;
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
  const wvo = o.wordVecs && set.wv ? o.wordVecs : undefined;
  const pw = net.wv;
  const gA = new Float32Array(pw?.A.length ?? 0), aA = new Float32Array(gA.length);
  const gB = new Float32Array(pw?.B.length ?? 0), aB = new Float32Array(gB.length);
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
      if (o.wordDropout && o.wordTemplates) {
        for (let t = 0; t < T; t++) {
          if (r() >= o.wordDropout) continue;
          for (let k = 0; k < K; k++) if (o.wordTemplates[k]) keep[t * K + k] = 0;
        }
      }
      if (o.contextDropout && o.contextTemplates) {
        for (let t = 0; t < T; t++) {
          if (r() >= o.contextDropout) continue;
          for (let k = 0; k < K; k++) if (o.contextTemplates[k]) keep[t * K + k] = 0;
        }
      }
      const u = wvo && pw ? reduceWordVecs(pw, set.wv!, from, to, wvo.vectors, () => r() >= wvo.dropout, 1 / (1 - wvo.dropout)) : undefined;
      const { h, g, p } = run(net, set.ids, K, from, to, net.E, keep, scale, u);
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
      if (wvo && pw && u) {
        wordVecGrads(pw, D, u, dh, T, gA, gB, set.wv!, from, wvo.vectors, 1 / (1 - wvo.dropout));
        adagrad(pw.A, aA, gA, o.lr);
        adagrad(pw.B, aB, gB, o.lr);
      }
    }
    o.onEpoch?.(epoch + 1, loss / Math.max(1, count));
  }
  return net;
}

/** Gradients of A and B given dh (pre-ReLU bag gradient, ReLU mask applied) of one sentence. */
function wordVecGrads(p: WordVecPath, D: number, u: Float32Array, dh: Float32Array, T: number, gA: Float32Array, gB: Float32Array, wv: Int32Array, from: number, vecs: Float32Array, vscale: number): void {
  const { vdim: V, rank: R, win: W, B } = p;
  const du = new Float32Array(T * R);
  for (let t = 0; t < T; t++) {
    for (let j = -W; j <= W; j++) {
      const s = t + j;
      if (s < 0 || s >= T) continue;
      for (let q = 0; q < R; q++) {
        const uv = u[s * R + q]!;
        if (uv === 0) continue;
        const b = ((j + W) * R + q) * D;
        let acc = 0;
        for (let d = 0; d < D; d++) {
          const g = dh[t * D + d]!;
          gB[b + d]! += uv * g;
          acc += B[b + d]! * g;
        }
        du[s * R + q]! += acc;
      }
    }
  }
  for (let s = 0; s < T; s++) {
    const w = wv[from + s]!;
    if (w < 0) continue;
    let on = false;
    for (let q = 0; q < R && !on; q++) on = u[s * R + q] !== 0;
    if (!on) continue; // dropped this step
    for (let j = 0; j < V; j++) {
      const v = vecs[w * V + j]! * vscale;
      for (let q = 0; q < R; q++) gA[j * R + q]! += v * du[s * R + q]!;
    }
  }
}
