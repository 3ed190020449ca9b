// The weighted bag scale (.) sum_l coef[l] * table[idx[l]] of an int8 table (per-column scale), computed
// without turning the gathered rows into float. The float form (Gather -> Cast -> MatMul) writes the
// gathered rows out again as float32 (the embedding pack: ~1,500 rows x 256 columns, 1.5 MB per request)
// and reads them back: in an onnxruntime profile of the four fused default packs that Cast was the most
// expensive kernel (BENCHMARKS.md). Here the rows stay int8 and MatMulInteger sums them exactly in int32,
// once for each of three 7-bit levels of the coefficients:
//   t  = coef * 127 / max(coef)                  (t in [0, 127])
//   q1 = floor(t), q2 = floor((t - q1) * 127), q3 = round(((t - q1) * 127 - q2) * 127)
//   bag = (Q1 + Q2 / 127 + Q3 / 127^2) * max(coef) / 127 * scale,   Qk = sum_l qk[l] * table[idx[l]]
// so each coefficient is taken to within max(coef) / (2 * 127^3), 2.4e-7 of the largest one
// (test/unit/integer-bag.test.ts); the embedding pack's vectors moved by at most 2.1e-7 (CLINC dev rows).
// Why levels of 7 bits in uint8: with every level in [0, 127] no pair of uint8 x int8 products can
// saturate the int16 sums of x86's vpmaddubsw (the AVX2 kernels without VNNI), and the int32 sums are
// exact up to 2^31 / 127^2 (133k rows) per bag. Every float step is one IEEE operation (Div, Mul, Sub,
// Floor, Round) on the same values, so onnxruntime-web derives the same integers.
// The coefficients must be >= 0 (TF-IDF weights, word counts): a negative one does not fit uint8.
import { i64Const, initF32, initU8, node } from './onnx-builder.ts';

type Node = ReturnType<typeof node>;
type Init = ReturnType<typeof initF32>;

const LEVEL = 127;
const UINT8 = 2;
const FLOAT = 1;

/**
 * The three levels of coef float32 [B, L] >= 0 as `${p}_q` uint8 [B, 3, L], and `${p}_t_unit` [B, 1]
 * (max(coef) / 127) in `unit`, a separate node so that integerBag keeps its node order. Several tables
 * bagged with the same coefficients (the domain pack's ensemble members) share one set of levels.
 */
export function integerLevels(p: string, coef: string): { inits: Init[]; nodes: Node[]; unit: Node } {
  const n = (s: string) => `${p}_${s}`;
  return {
    inits: [
      initF32(n('level'), [], new Float32Array([LEVEL])),
      // max(coef) of an empty text is 0: dividing by this instead keeps t at 0, not NaN.
      initF32(n('tiny'), [], new Float32Array([1e-30])),
      initF32(n('level_w'), [1, 3], new Float32Array([1, 1 / LEVEL, 1 / (LEVEL * LEVEL)])),
      i64Const(n('level_shape'), [0, 3, -1]),
      i64Const(n('axis1'), [1]),
    ],
    nodes: [
      node('ReduceMax', [coef], [n('max')], { axes: [1], keepdims: 1 }),
      node('Max', [n('max'), n('tiny')], [n('max_c')]),
      node('Div', [n('level'), n('max_c')], [n('to_t')]),
      node('Mul', [coef, n('to_t')], [n('t')]),
      node('Floor', [n('t')], [n('q1')]),
      node('Sub', [n('t'), n('q1')], [n('r1')]),
      node('Mul', [n('r1'), n('level')], [n('t2')]),
      node('Floor', [n('t2')], [n('q2')]),
      node('Sub', [n('t2'), n('q2')], [n('r2')]),
      node('Mul', [n('r2'), n('level')], [n('t3')]),
      node('Round', [n('t3')], [n('q3')]),
      // [B, 3L] -> [B, 3, L]: the three levels as the rows of one MatMulInteger.
      node('Concat', [n('q1'), n('q2'), n('q3')], [n('q_flat')], { axis: 1 }),
      node('Reshape', [n('q_flat'), n('level_shape')], [n('q_f')]),
      node('Cast', [n('q_f')], [n('q')], { to: UINT8 }),
    ],
    unit: node('Div', [n('max_c'), n('level')], [n('t_unit')]),
  };
}

/**
 * out [B, D] from the levels of integerLevels(lp, ...) and rowsQ, the gathered int8 rows [B, L, D]:
 * the exact int32 sums of the three levels recombined in float, times colScale when given. The
 * nodes' own names start with `${p}_` (p may equal lp).
 */
export function integerSum(p: string, lp: string, rowsQ: string, colScale: string | undefined, out: string): Node[] {
  const n = (s: string) => `${p}_${s}`, l = (s: string) => `${lp}_${s}`;
  return [
    node('MatMulInteger', [l('q'), rowsQ], [n('sums_i')]),
    node('Cast', [n('sums_i')], [n('sums')], { to: FLOAT }),
    node('MatMul', [l('level_w'), n('sums')], [n('bag3')]),
    node('Squeeze', [n('bag3'), l('axis1')], [n('bag_t')]),
    node('Mul', [n('bag_t'), l('t_unit')], [colScale ? n('bag_q') : out]),
    ...(colScale ? [node('Mul', [n('bag_q'), colScale], [out])] : []),
  ];
}

/**
 * Nodes and initializers for out [B, D] = colScale (.) sum_l coef[B, l] * table[idx[B, l]], table int8
 * [R, D] with colScale float32 [D] (both already in the graph), coef float32 [B, L] >= 0, idx [B, L].
 * Every new name starts with `${p}_`; `rowsQ` names the gathered int8 rows.
 */
export function integerBag(p: string, table: string, idx: string, coef: string, colScale: string, out: string, rowsQ = `${p}_rows_q`): { inits: Init[]; nodes: Node[] } {
  const levels = integerLevels(p, coef);
  const sum = integerSum(p, p, rowsQ, colScale, out);
  return {
    inits: levels.inits,
    nodes: [node('Gather', [table, idx], [rowsQ], { axis: 0 }), ...levels.nodes, ...sum.slice(0, 4), levels.unit, ...sum.slice(4)],
  };
}

/**
 * The bag over the K features of each of T tokens with weight 1 each (the PII pack):
 * out [1, T, D] float = sum_k rowsQ[1, T, k, :], rowsQ the gathered int8 rows [1, T, K, D], as one
 * MatMulInteger by a row of K ones instead of Cast to float + ReduceSum: the int32 sums are exact and so
 * is their float32 (|sum| <= 127 K), the same values ReduceSum gives, without writing the T*K*D gathered
 * values out again as float32.
 */
export function integerRowSum(p: string, rowsQ: string, K: number, out: string): { inits: Init[]; nodes: Node[] } {
  const n = (s: string) => `${p}_${s}`;
  return {
    inits: [initU8(n('ones'), [1, K], new Uint8Array(K).fill(1)), i64Const(n('axis2'), [2])],
    nodes: [
      node('MatMulInteger', [n('ones'), rowsQ], [n('sums_i')]),
      node('Squeeze', [n('sums_i'), n('axis2')], [n('sums_t')]),
      node('Cast', [n('sums_t')], [out], { to: FLOAT }),
    ],
  };
}
