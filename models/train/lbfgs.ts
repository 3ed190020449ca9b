// Full-batch L-BFGS for a linear softmax layer over the TF-IDF bag: minimises the example-weighted
// mean cross-entropy + l2/2 ||W||^2 (bias unregularised) to convergence, so the result does not depend
// on a shuffle seed (per-example AdaGrad moved intent's dev macro-F1 by +-0.01 between seeds).
// Optional per-(row, class) scales R (table = W * R) and latent group labels are experiment hooks (_lin-exp.ts).
import type { Csr } from './features.ts';

export interface LbfgsConfig {
  V: number; // table rows
  K: number; // model classes
  l2: number; // lambda/2 ||W||^2, loss averaged over the example weights
  iters: number;
  /** per-(row, class) scales, T = W * R; absent = 1 */
  R?: Float32Array;
  /** latent fine labels: groupOf[k] = target group; y is then the group and the loss is -log sum_{k in y} p_k */
  groupOf?: Int32Array;
  history?: number;
  log?: boolean;
}

/** Full-batch L-BFGS on the weighted softmax cross-entropy + L2 (bias unregularised). Returns T (= W*R) and bias. */
export function lbfgs(X: Csr, y: Int32Array, w: Float64Array, cfg: LbfgsConfig): { table: Float32Array; bias: Float32Array; loss: number } {
  const { V, K } = cfg;
  const P = V * K + K;
  const wsum = w.reduce((a, b) => a + b, 0);
  const theta = new Float64Array(P);
  const T = new Float64Array(V * K);
  const z = new Float64Array(K);
  const evalFG = (th: Float64Array, g: Float64Array): number => {
    g.fill(0);
    const R = cfg.R;
    for (let i = 0; i < V * K; i++) T[i] = R ? th[i] * R[i] : th[i];
    let loss = 0;
    for (let r = 0; r < X.rows; r++) {
      for (let c = 0; c < K; c++) z[c] = th[V * K + c];
      for (let q = X.ptr[r]; q < X.ptr[r + 1]; q++) {
        const x = X.val[q], o = X.idx[q] * K;
        for (let c = 0; c < K; c++) z[c] += x * T[o + c];
      }
      let mx = -Infinity;
      for (let c = 0; c < K; c++) mx = Math.max(mx, z[c]);
      let s = 0;
      for (let c = 0; c < K; c++) s += z[c] = Math.exp(z[c] - mx);
      for (let c = 0; c < K; c++) z[c] /= s;
      const wr = w[r] / wsum;
      if (cfg.groupOf) {
        let pg = 0;
        for (let c = 0; c < K; c++) if (cfg.groupOf[c] === y[r]) pg += z[c];
        loss -= wr * Math.log(Math.max(pg, 1e-300));
        for (let c = 0; c < K; c++) z[c] = wr * (z[c] - (cfg.groupOf[c] === y[r] ? z[c] / pg : 0));
      } else {
        loss -= wr * Math.log(Math.max(z[y[r]], 1e-300));
        for (let c = 0; c < K; c++) z[c] = wr * (z[c] - (c === y[r] ? 1 : 0));
      }
      for (let c = 0; c < K; c++) g[V * K + c] += z[c];
      for (let q = X.ptr[r]; q < X.ptr[r + 1]; q++) {
        const x = X.val[q], o = X.idx[q] * K;
        for (let c = 0; c < K; c++) g[o + c] += x * z[c];
      }
    }
    for (let i = 0; i < V * K; i++) {
      if (R) g[i] *= R[i];
      g[i] += cfg.l2 * th[i];
      loss += 0.5 * cfg.l2 * th[i] * th[i];
    }
    return loss;
  };
  const m = cfg.history ?? 8;
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  let g = new Float64Array(P), gNew = new Float64Array(P);
  const d = new Float64Array(P), thNew = new Float64Array(P);
  let f = evalFG(theta, g);
  const alpha = new Float64Array(m);
  const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
  for (let it = 0; it < cfg.iters; it++) {
    d.set(g);
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], d);
      const yj = Y[j];
      for (let i = 0; i < P; i++) d[i] -= alpha[j] * yj[i];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1 / Math.sqrt(dot(g, g));
    for (let i = 0; i < P; i++) d[i] *= gamma;
    for (let j = 0; j < S.length; j++) {
      const b = rho[j] * dot(Y[j], d);
      const sj = S[j];
      for (let i = 0; i < P; i++) d[i] += sj[i] * (alpha[j] - b);
    }
    const gd = dot(g, d);
    let step = 1, fNew = 0;
    for (let ls = 0; ls < 20; ls++) {
      for (let i = 0; i < P; i++) thNew[i] = theta[i] - step * d[i];
      fNew = evalFG(thNew, gNew);
      if (fNew <= f - 1e-4 * step * gd) break;
      step *= 0.5;
    }
    const s = new Float64Array(P), yv = new Float64Array(P);
    for (let i = 0; i < P; i++) (s[i] = thNew[i] - theta[i]), (yv[i] = gNew[i] - g[i]);
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (S.length === m) S.shift(), Y.shift(), rho.shift();
      S.push(s), Y.push(yv), rho.push(1 / sy);
    }
    theta.set(thNew);
    [g, gNew] = [gNew, g];
    const rel = (f - fNew) / Math.max(Math.abs(fNew), 1e-12);
    f = fNew;
    if (cfg.log && (it % 10 === 0 || it === cfg.iters - 1)) console.error(`  it ${it} loss ${f.toFixed(5)} step ${step}`);
    if (rel < 1e-7 && it > 5) break;
  }
  const table = new Float32Array(V * K);
  for (let i = 0; i < V * K; i++) table[i] = cfg.R ? theta[i] * cfg.R[i] : theta[i];
  return { table, bias: Float32Array.from(theta.subarray(V * K)), loss: f };
}
