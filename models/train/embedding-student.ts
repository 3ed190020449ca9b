// Nonlinear student for the embedding pack's lexical half (embedding-graph.ts serves it):
//   z = b1 + sum_l xn[l] W1[id_l mod R];  lex = L2(tanh(z) W2), and lex = 0 for an empty bag
// W1 [R, H] starts at the ridge table (embedding-distill.ts) times `scale`, W2 at I / scale, b1 at 0:
// the start is the linear student with z large enough for tanh to bend. The bias matters (without it,
// own AUC 0.8179 against 0.8301 for the pack); an empty text must still give the zero vector, so the
// graph gates the output on a non-zero bag (embedding-graph.ts) and studentEmbed does the same. Trained by Adam on
// 1 - cos(lex, y), y the teacher's centred principal-component scores: the cosine is what the cache
// compares, where the ridge fit matches unnormalised scores. The tanh lets a word's contribution
// saturate (a long question no longer sums every n-gram into the direction). Deterministic: one
// seeded shuffle, single-threaded float32 arithmetic. Measured against the ridge table and a
// linear student fitted the same way in models/train/_emb-mlp-exp.ts.
import type { Csr } from './features.ts';
import { rng } from './rng.ts';

export interface StudentOptions { hidden: number; scale: number; epochs: number; lr: number; batch: number; seed: number }

export interface Student {
  /** [rows, hidden] (ids mod rows); stored int8 per column as the ridge table was. */
  w1: Float32Array;
  b1: Float32Array;
  /** [hidden, dim], float32. */
  w2: Float32Array;
  rows: number;
  hidden: number;
  dim: number;
}

/** lex vector (not normalised) of row r of X; z and h are scratch [hidden]; w1 may be the dequantised table. */
export function studentForward(s: Student, w1: Float32Array, X: Csr, r: number, z: Float32Array, h: Float32Array, o: Float32Array): void {
  const { rows: R, hidden: H, dim: D, w2 } = s;
  z.set(s.b1);
  for (let k = X.ptr[r]!; k < X.ptr[r + 1]!; k++) { const x = X.val[k]!, off = (X.idx[k]! % R) * H; for (let j = 0; j < H; j++) z[j] += x * w1[off + j]!; }
  for (let j = 0; j < H; j++) h[j] = Math.tanh(z[j]!);
  o.fill(0);
  for (let j = 0; j < H; j++) { const hj = h[j]!, off = j * D; for (let d = 0; d < D; d++) o[d] += hj * w2[off + d]!; }
}

/** L2-normalised lexical vectors of every row of X, with W1 as given (e.g. the int8 round trip). */
export function studentEmbed(s: Student, w1: Float32Array, X: Csr): Float32Array[] {
  const z = new Float32Array(s.hidden), h = new Float32Array(s.hidden), out: Float32Array[] = [];
  for (let r = 0; r < X.rows; r++) {
    const o = new Float32Array(s.dim);
    let bag = 0;
    for (let k = X.ptr[r]!; k < X.ptr[r + 1]!; k++) bag += X.val[k]! * X.val[k]!;
    if (bag > 0) studentForward(s, w1, X, r, z, h, o); // empty text: the zero vector, as the graph's gate
    let n = 0;
    for (const v of o) n += v * v;
    n = Math.max(Math.sqrt(n), 1e-12);
    for (let d = 0; d < s.dim; d++) o[d] /= n;
    out.push(o);
  }
  return out;
}

/** Fits the student to targets Y [X.rows, dim] from the ridge table P [rows, dim] (hidden = dim). */
export function trainStudent(X: Csr, Y: Float32Array, P: Float32Array, rows: number, dim: number, o: StudentOptions, log: (s: string) => void = () => {}): Student {
  const H = o.hidden, D = dim, N = X.rows, B = o.batch;
  if (H !== D) throw new Error('the ridge start needs hidden = dim');
  const s: Student = { w1: Float32Array.from(P, (v) => v * o.scale), b1: new Float32Array(H), w2: new Float32Array(H * D), rows, hidden: H, dim: D };
  for (let j = 0; j < H; j++) s.w2[j * D + j] = 1 / o.scale;
  const T = new Float32Array(N * D); // unit targets
  for (let r = 0; r < N; r++) {
    let n = 0;
    for (let d = 0; d < D; d++) n += Y[r * D + d]! ** 2;
    n = Math.max(Math.sqrt(n), 1e-12);
    for (let d = 0; d < D; d++) T[r * D + d] = Y[r * D + d]! / n;
  }
  const params = [s.w1, s.b1, s.w2];
  const grads = params.map((p) => new Float32Array(p.length));
  const m1 = params.map((p) => new Float32Array(p.length)), m2 = params.map((p) => new Float32Array(p.length));
  const z = new Float32Array(H), h = new Float32Array(H), out = new Float32Array(D), g = new Float32Array(D), dh = new Float32Array(H);
  const rand = rng(o.seed);
  const order = Array.from({ length: N }, (_, i) => i);
  let step = 0;
  for (let ep = 1; ep <= o.epochs; ep++) {
    for (let i = N - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j]!, order[i]!]; }
    let loss = 0;
    for (let s0 = 0; s0 + B <= N; s0 += B) {
      for (const gr of grads) gr.fill(0);
      const [gW1, gb1, gW2] = grads as [Float32Array, Float32Array, Float32Array];
      for (let b = s0; b < s0 + B; b++) {
        const r = order[b]!;
        studentForward(s, s.w1, X, r, z, h, out);
        let n = 0;
        for (let d = 0; d < D; d++) n += out[d]! ** 2;
        n = Math.max(Math.sqrt(n), 1e-12);
        // d(1 - cos)/d out = -(t - cos u) / n, u = out / n; averaged over the batch
        let c = 0;
        for (let d = 0; d < D; d++) c += (out[d]! / n) * T[r * D + d]!;
        loss += 1 - c;
        for (let d = 0; d < D; d++) g[d] = -(T[r * D + d]! - (c * out[d]!) / n) / (n * B);
        for (let j = 0; j < H; j++) {
          const off = j * D, hj = h[j]!;
          let acc = 0;
          for (let d = 0; d < D; d++) { acc += g[d]! * s.w2[off + d]!; gW2[off + d] += hj * g[d]!; }
          dh[j] = acc * (1 - hj * hj);
          gb1[j] += dh[j]!;
        }
        for (let k = X.ptr[r]!; k < X.ptr[r + 1]!; k++) { const x = X.val[k]!, off = (X.idx[k]! % rows) * H; for (let j = 0; j < H; j++) gW1[off + j] += x * dh[j]!; }
      }
      step++;
      const c1 = 1 - 0.9 ** step, c2 = 1 - 0.999 ** step;
      params.forEach((p, pi) => {
        const gr = grads[pi]!, a = m1[pi]!, v = m2[pi]!;
        for (let i = 0; i < p.length; i++) {
          const gi = gr[i]!;
          a[i] = 0.9 * a[i]! + 0.1 * gi;
          v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
          p[i] -= (o.lr * (a[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
        }
      });
    }
    log(`student epoch ${ep}/${o.epochs}: mean 1 - cos ${(loss / (Math.floor(N / B) * B)).toFixed(4)}`);
  }
  return s;
}
