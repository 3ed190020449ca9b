// Combining the domain pack's members (from _dom-members-exp.ts) with each other and with the
// Universal Sentence Encoder lite teacher (_dom-teacher.ts), choosing every setting on the
// out-of-fold (5-fold CV of the TRAIN split, salt semroute-cv-v1) probabilities and reporting dev once.
//   npx tsx models/train/_dom-stack-exp.ts [folds=0,1,2,3,4] [teacher=1]
import { existsSync, readFileSync } from 'node:fs';
import { loadTask, split, heldOutMask, fineLabel, type Row } from './data.ts';
import { lbfgs } from './lbfgs.ts';
import type { Csr } from './features.ts';
import { PACKS } from './packs.ts';
import { teacherCache as useCache, teacherOf as useOf } from './_dom-teacher.ts';
import { EMB_DIM, embCache, embOf } from './_dom-embfeat.ts';

// DOM_FEAT=emb: the embedding pack's vectors (_dom-embfeat.ts) stand in for the teacher's.
const EMB = process.env.DOM_FEAT === 'emb';
const teacherCache = EMB ? embCache : useCache;
const teacherOf = EMB ? embOf : useOf;

const spec = PACKS.domain!;
const C = spec.labels.length;
const folds = (process.argv[2] ?? '0,1,2,3,4').split(',').map(Number).filter((f) => existsSync(`/tmp/d1/cal${f}-m1.f32`));
const useTeacher = (process.argv[3] ?? '1') === '1';
const all = loadTask('domain');
const { train: tr, dev } = split('domain', all);
const f32 = (p: string) => { const b = readFileSync(p); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)); };

// fold membership of each train row (same masks as _dom-members-exp.ts)
const foldOf = new Int32Array(tr.length).fill(-1);
for (let f = 0; f < 5; f++) {
  const lo = heldOutMask('domain', tr, 'semroute-cv-v1', 20 * f), hi = heldOutMask('domain', tr, 'semroute-cv-v1', 20 * (f + 1));
  hi.forEach((h, i) => { if (h && !lo[i]) foldOf[i] = f; });
}
// OOF member probabilities, rows in train order (only the folds available)
const oofIx: number[] = [];
const oof0: number[] = [], oof1: number[] = [];
for (const f of folds) {
  const a = f32(`/tmp/d1/cal${f}-m0.f32`), b = f32(`/tmp/d1/cal${f}-m1.f32`);
  let j = 0;
  foldOf.forEach((g, i) => { if (g === f) { oofIx.push(i); for (let k = 0; k < C; k++) oof0.push(a[j * C + k]!), oof1.push(b[j * C + k]!); j++; } });
}
const n = oofIx.length;
const O0 = Float32Array.from(oof0), O1 = Float32Array.from(oof1);
const goldO = Int32Array.from(oofIx, (i) => spec.labels.indexOf(tr[i]!.label));
const half = heldOutMask('domain', tr, 'semroute-d1-half', 50);
// groups for nested estimates: the CV folds when several are available, else two hash halves of the one slice
const foldO = Int32Array.from(oofIx, (i) => (folds.length > 1 ? foldOf[i]! : half[i] ? 1 : 0));
const groups = folds.length > 1 ? folds : [0, 1];
const D0 = f32('/tmp/d1/dev-m0.f32'), D1 = f32('/tmp/d1/dev-m1.f32');
const goldD = Int32Array.from(dev, (r) => spec.labels.indexOf(r.label));
console.log(`OOF rows ${n} (folds ${folds.join(',')}), dev rows ${dev.length}`);

const acc = (P: Float32Array, gold: Int32Array, bias?: Float64Array) => {
  let ok = 0;
  for (let r = 0; r < gold.length; r++) {
    let b = 0, bv = -Infinity;
    for (let k = 0; k < C; k++) { const v = Math.log(Math.max(P[r * C + k]!, 1e-30)) + (bias ? bias[k]! : 0); if (v > bv) (bv = v), (b = k); }
    if (b === gold[r]) ok++;
  }
  return ok / gold.length;
};
const geo = (ps: Float32Array[], ws: number[]) => { const out = new Float32Array(ps[0]!.length); for (let r = 0; r < out.length / C; r++) { let s = 0; for (let k = 0; k < C; k++) { let z = 0; ps.forEach((p, m) => (z += ws[m]! * Math.log(Math.max(p[r * C + k]!, 1e-9)))); s += out[r * C + k] = Math.exp(z); } for (let k = 0; k < C; k++) out[r * C + k]! /= s; } return out; };
const mix = (ps: Float32Array[], ws: number[]) => { const out = new Float32Array(ps[0]!.length); ps.forEach((p, m) => { for (let i = 0; i < out.length; i++) out[i] += ws[m]! * p[i]!; }); return out; };
const show = (tag: string, o: Float32Array, d: Float32Array, b?: Float64Array) => console.log(tag.padEnd(48), 'oof', acc(o, goldO, b).toFixed(4), 'dev', acc(d, goldD, b).toFixed(4));

show('member 0 (14 labels)', O0, D0);
show('member 1 (fine)', O1, D1);
const base0 = mix([O0, O1], [0.5, 0.5]), baseD = mix([D0, D1], [0.5, 0.5]);
show('pack: mean', base0, baseD);

// Per-class log-bias by coordinate search on OOF accuracy (class 0 fixed), 3 passes.
function cvBias(P: Float32Array, gold: Int32Array): Float64Array {
  const b = new Float64Array(C);
  let best = acc(P, gold, b);
  for (let pass = 0; pass < 3; pass++)
    for (let k = 1; k < C; k++) {
      let bk = b[k]!;
      for (let v = -1; v <= 1.0001; v += 0.1) { b[k] = v; const s = acc(P, gold, b); if (s > best + 1e-9) (best = s), (bk = v); }
      b[k] = bk;
    }
  return b;
}
// nested estimate: bias chosen on the other folds, scored on each fold
function nested(P: Float32Array, fit: (P: Float32Array, gold: Int32Array) => Float64Array): number {
  let ok = 0;
  for (const f of groups) {
    const inF = Array.from(foldO, (g) => g === f);
    const pick = (Q: Float32Array, m: boolean) => { const o: number[] = []; inF.forEach((x, r) => { if (x === m) for (let k = 0; k < C; k++) o.push(Q[r * C + k]!); }); return Float32Array.from(o); };
    const b = fit(pick(P, false), Int32Array.from(goldO.filter((_, r) => !inF[r])));
    ok += acc(pick(P, true), Int32Array.from(goldO.filter((_, r) => inF[r])), b) * inF.filter(Boolean).length;
  }
  return ok / n;
}
{
  const b = cvBias(base0, goldO);
  console.log('per-class log-bias (OOF-chosen):', Array.from(b, (v) => v.toFixed(1)).join(','), 'nested-CV acc', nested(base0, cvBias).toFixed(4));
  show('pack + OOF bias', base0, baseD, b);
  // only the two classes named as over-predicted ("other", "psychology"), one shared grid
  const io = spec.labels.indexOf('other'), ip = spec.labels.indexOf('psychology');
  let bo = 0, bp = 0, bs = -1;
  for (let u = -1; u <= 0.0001; u += 0.1) for (let v = -1; v <= 0.0001; v += 0.1) { const t = new Float64Array(C); t[io] = u; t[ip] = v; const s = acc(base0, goldO, t); if (s > bs + 1e-9) (bs = s), (bo = u), (bp = v); }
  const t2 = new Float64Array(C); t2[io] = bo; t2[ip] = bp;
  console.log(`other / psychology log-bias (OOF-chosen): ${bo.toFixed(1)} / ${bp.toFixed(1)}`);
  show('pack + other/psychology bias', base0, baseD, t2);
}

// Stacking: softmax over [log p0, log p1 (, log pT)] (full matrix + bias), fitted by L-BFGS on OOF rows.
function denseCsr(blocks: Float32Array[], rows: number): Csr {
  const w = blocks.length * C;
  const ptr = Int32Array.from({ length: rows + 1 }, (_, r) => r * w);
  const idx = new Int32Array(rows * w), val = new Float32Array(rows * w);
  for (let r = 0; r < rows; r++) blocks.forEach((B, m) => { for (let k = 0; k < C; k++) { idx[r * w + m * C + k] = m * C + k; val[r * w + m * C + k] = Math.log(Math.max(B[r * C + k]!, 1e-6)); } });
  return { rows, ptr, idx, val };
}
function stackFit(X: Csr, gold: Int32Array, l2: number) {
  return lbfgs(X, gold, new Float64Array(gold.length).fill(1), { V: X.idx.length / X.rows, K: C, l2, iters: 200 });
}
function stackPredict(m: { table: Float32Array; bias: Float32Array }, X: Csr): Float32Array {
  const V = X.idx.length / X.rows, out = new Float32Array(X.rows * C);
  for (let r = 0; r < X.rows; r++) {
    let mx = -Infinity;
    const z = new Float64Array(C);
    for (let k = 0; k < C; k++) { z[k] = m.bias[k]!; for (let j = 0; j < V; j++) z[k] += X.val[r * V + j]! * m.table[j * C + k]!; mx = Math.max(mx, z[k]!); }
    let s = 0;
    for (let k = 0; k < C; k++) s += z[k] = Math.exp(z[k]! - mx);
    for (let k = 0; k < C; k++) out[r * C + k] = z[k]! / s;
  }
  return out;
}
function stackReport(tag: string, Ob: Float32Array[], Db: Float32Array[]) {
  const Xo = denseCsr(Ob, n), Xd = denseCsr(Db, dev.length);
  for (const l2 of [1e-2, 1e-3, 1e-4]) {
    // nested CV over folds
    let ok = 0;
    for (const f of groups) {
      const tr = Array.from(foldO, (g) => g !== f);
      const sub = (X: Csr, keep: boolean[]) => { const V = X.idx.length / X.rows; const rows = keep.filter(Boolean).length; const val = new Float32Array(rows * V); let j = 0; keep.forEach((k, r) => { if (k) val.set(X.val.subarray(r * V, r * V + V), V * j++); }); return { rows, ptr: Int32Array.from({ length: rows + 1 }, (_, r) => r * V), idx: new Int32Array(rows * V).map((_, q) => q % V), val }; };
      const m = stackFit(sub(Xo, tr), Int32Array.from(goldO.filter((_, r) => tr[r])), l2);
      ok += acc(stackPredict(m, sub(Xo, tr.map((x) => !x))), Int32Array.from(goldO.filter((_, r) => !tr[r]))) * tr.filter((x) => !x).length;
    }
    const m = stackFit(Xo, goldO, l2);
    console.log(`${tag} stack l2 ${l2}`.padEnd(48), 'nested-CV', (ok / n).toFixed(4), 'dev', acc(stackPredict(m, Xd), goldD).toFixed(4));
  }
}
stackReport('members', [O0, O1], [D0, D1]);

if (useTeacher) {
  const cache = teacherCache();
  const has = (r: Row) => !!teacherOf(cache, r.text);
  if (!dev.every(has) || !oofIx.every((i) => has(tr[i]!))) console.log('teacher vectors of the dev / OOF rows not cached yet');
  else {
    const Dm = EMB ? EMB_DIM : 512;
    console.log('teacher: train rows encoded', tr.filter(has).length, 'of', tr.length);
    const vec = (rs: Row[]) => { const o = new Float32Array(rs.length * Dm); rs.forEach((r, i) => o.set(teacherOf(cache, r.text) ?? new Float32Array(Dm), i * Dm)); return o; };
    const Ttr = vec(tr), Tdv = vec(dev);
    const dense = (A: Float32Array, rows: number, mu: Float64Array, sd: number): Csr => ({ rows, ptr: Int32Array.from({ length: rows + 1 }, (_, r) => r * Dm), idx: new Int32Array(rows * Dm).map((_, q) => q % Dm), val: A.map((v, q) => (v - mu[q % Dm]!) / sd) });
    const fitT = (A: Float32Array, rows: Row[], l2: number, fine: boolean, B: Float32Array, bRows: number): Float32Array => {
      const mu = new Float64Array(Dm);
      for (let q = 0; q < A.length; q++) mu[q % Dm] += A[q]! / rows.length;
      let v = 0;
      for (let q = 0; q < A.length; q++) v += (A[q]! - mu[q % Dm]!) ** 2;
      const sd = Math.sqrt(v / A.length);
      const labs = fine ? [...new Set(rows.map(fineLabel))].sort() : spec.labels;
      const y = Int32Array.from(rows, (r) => labs.indexOf(fine ? fineLabel(r) : r.label));
      const K = labs.length;
      const cnt = new Float64Array(K);
      y.forEach((c) => cnt[c]++);
      const w = Float64Array.from(y, (c) => rows.length / (K * cnt[c]!));
      const m = lbfgs(dense(A, rows.length, mu, sd), y, w, { V: Dm, K, l2, iters: 300 });
      const Xb = dense(B, bRows, mu, sd);
      const out = new Float32Array(bRows * C);
      const coarse = labs.map((l) => spec.labels.indexOf(l.split('|')[0]!));
      for (let r = 0; r < bRows; r++) {
        const z = new Float64Array(K);
        let mx = -Infinity;
        for (let k = 0; k < K; k++) { z[k] = m.bias[k]!; for (let j = 0; j < Dm; j++) z[k] += Xb.val[r * Dm + j]! * m.table[j * K + k]!; mx = Math.max(mx, z[k]!); }
        let s = 0;
        for (let k = 0; k < K; k++) s += z[k] = Math.exp(z[k]! - mx);
        for (let k = 0; k < K; k++) out[r * C + coarse[k]!] += z[k]! / s;
      }
      return out;
    };
    const pickT = (keep: (i: number) => boolean) => { const ix = tr.map((_, i) => i).filter((i) => keep(i) && has(tr[i]!)); const o = new Float32Array(ix.length * Dm); ix.forEach((i, j) => o.set(Ttr.subarray(i * Dm, i * Dm + Dm), j * Dm)); return { o, rows: ix.map((i) => tr[i]!) }; };
    let bestT: { oof: Float32Array; dev: Float32Array; tag: string; acc: number } | null = null;
    // argv[4] = 'quick': only the 14-label teacher at L2 0.01 (the slice's best of 0.03 / 0.01 / 0.003)
    const quick = process.argv[4] === 'quick';
    for (const fine of quick ? [false] : [false, true])
      for (const l2 of quick ? [1e-2] : [3e-2, 1e-2, 3e-3, 1e-3]) {
        const oofT = new Float32Array(n * C);
        for (const f of folds) {
          const a = pickT((i) => foldOf[i] !== f), b = pickT((i) => foldOf[i] === f);
          const P = fitT(a.o, a.rows, l2, fine, b.o, b.rows.length);
          let j = 0;
          oofIx.forEach((i, r) => { if (foldOf[i] === f) oofT.set(P.subarray(j * C, ++j * C), r * C); });
        }
        const all = pickT(() => true);
        const devT = fitT(all.o, all.rows, l2, fine, Tdv, dev.length);
        const tag = `teacher linear ${fine ? 'fine' : '14'} l2 ${l2}`;
        show(tag, oofT, devT);
        const a = acc(oofT, goldO);
        if (!bestT || a > bestT.acc) bestT = { oof: oofT, dev: devT, tag, acc: a };
      }
    console.log('teacher chosen on OOF:', bestT!.tag);
    let bestW = 0, bestA = -1;
    for (const w of [0, 0.1, 0.2, 0.3, 0.4, 0.5]) {
      const o = mix([base0, bestT!.oof], [1 - w, w]), d = mix([baseD, bestT!.dev], [1 - w, w]);
      show(`pack*(1-w) + teacher*w, w=${w}`, o, d);
      const a = acc(o, goldO);
      if (a > bestA + 1e-9) (bestA = a), (bestW = w);
      show(`geometric, w=${w}`, geo([base0, bestT!.oof], [1 - w, w]), geo([baseD, bestT!.dev], [1 - w, w]));
    }
    console.log('teacher weight chosen on OOF:', bestW);
    stackReport('members + teacher', [O0, O1, bestT!.oof], [D0, D1, bestT!.dev]);
  }
}
