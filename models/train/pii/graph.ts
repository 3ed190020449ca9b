// ONNX graph of the PII token model (see model.ts for the maths). Feature table stored int8 with one
// scale per column: sum_k s_d q[id_k, d] = s_d sum_k q[id_k, d], so the scale is applied once per
// token after the sum instead of per gathered row (a per-row scale costs a second Gather and a
// multiply over all T*K*D gathered values, most of the graph's time). Columns are scaled to a
// quantile of |value| (CLIP_QUANTILE; 1 = the maximum, no clipping).
// Context and output layers float32 (they are small).
//   feature_ids int32 [1,T,K] -> Gather int8 rows -> sum over K (MatMulInteger by a row of K ones: exact
//   int32 sums, the values Cast + ReduceSum gave without the float copy; integer-bag.ts) -> * col scale
//   + b1, Relu -> h
//   h padded by one zero row each side, three Slices concatenated -> [h_{t-1}; h_t; h_{t+1}]
//   MatMul Wc + bc, Relu -> MatMul Wo + bo -> Softmax -> probabilities [1,T,L]
// With word vectors (model.ts): word_ids int32 [1,T] -> Gather int8 rows of u = A^T v (one scale
// per column) -> Cast, * scale -> the 2W+1 shifted copies concatenated -> MatMul B, added to the bag
// before the ReLU.
import type { PiiNet, WordVecPath } from './model.ts';
import { i64Const, initF32, initI8, node, serializeModel, valueInfo } from '../onnx-builder.ts';
import { integerRowSum } from '../integer-bag.ts';

const FLOAT = 1;
export const CLIP_QUANTILE = 1;

export function quantizeColumns(E: Float32Array, V: number, D: number, clip = CLIP_QUANTILE): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(D);
  const col = new Float32Array(V);
  for (let d = 0; d < D; d++) {
    for (let r = 0; r < V; r++) col[r] = Math.abs(E[r * D + d]!);
    col.sort();
    scale[d] = Math.max(col[Math.floor(clip * (V - 1))]!, 1e-8) / 127;
  }
  const q = new Int8Array(V * D);
  for (let i = 0; i < q.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(E[i]! / scale[i % D]!)));
  return { q, scale };
}

/** The feature table exactly as the graph will see it (after int8 quantisation). */
export function shippedTable(net: PiiNet, clip = CLIP_QUANTILE): Float32Array {
  const { q, scale } = quantizeColumns(net.E, net.buckets, net.dim, clip);
  return Float32Array.from(q, (v, i) => v * scale[i % net.dim]!);
}

/** `wvTable`: the reduced word-vector table [buckets, R] (wordvec.ts reducedTable) of a net with a word-vector path. */
export function buildPiiGraph(net: PiiNet, K: number, meta: Record<string, string>, wvTable?: Float32Array): Uint8Array {
  const { buckets: V, dim: D, ctx: G, labels: L } = net;
  const qt = quantizeColumns(net.E, V, D);
  const wv = net.wv && wvTable ? wordVecNodes(net.wv, wvTable) : undefined;
  const rowSum = integerRowSum('feat', 'rows_q', K, 'bag_q');
  const inits = [
    ...rowSum.inits,
    initI8('table', [V, D], qt.q),
    initF32('col_scale', [D], qt.scale),
    initF32('b1', [D], net.b1),
    initF32('wc', [3 * D, G], net.Wc),
    initF32('bc', [G], net.bc),
    initF32('wo', [G, L], net.Wo),
    initF32('bo', [L], net.bo),
    i64Const('axis1', [1]),
    i64Const('pads', [0, 1, 0, 0, 1, 0]),
    i64Const('s0', [0]),
    i64Const('s1', [1]),
    i64Const('s2', [2]),
    i64Const('e_m2', [-2]),
    i64Const('e_m1', [-1]),
    i64Const('e_max', [2 ** 31 - 1]),
  ];
  const nodes = [
    node('Gather', ['table', 'feature_ids'], ['rows_q'], { axis: 0 }),
    ...rowSum.nodes,
    node('Mul', ['bag_q', 'col_scale'], ['bag']),
    ...(wv ? [node('Add', ['bag', 'b1'], ['h_b']), ...wv.nodes, node('Add', ['h_b', 'wv_add'], ['h_pre'])] : [node('Add', ['bag', 'b1'], ['h_pre'])]),
    node('Relu', ['h_pre'], ['h']),
    node('Pad', ['h', 'pads'], ['h_pad']),
    node('Slice', ['h_pad', 's0', 'e_m2', 'axis1'], ['h_prev']),
    node('Slice', ['h_pad', 's1', 'e_m1', 'axis1'], ['h_mid']),
    node('Slice', ['h_pad', 's2', 'e_max', 'axis1'], ['h_next']),
    node('Concat', ['h_prev', 'h_mid', 'h_next'], ['ctx_in'], { axis: 2 }),
    node('MatMul', ['ctx_in', 'wc'], ['g_m']),
    node('Add', ['g_m', 'bc'], ['g_pre']),
    node('Relu', ['g_pre'], ['g']),
    node('MatMul', ['g', 'wo'], ['z_m']),
    node('Add', ['z_m', 'bo'], ['logits']),
    node('Softmax', ['logits'], ['probabilities'], { axis: -1 }),
  ];
  return serializeModel(
    {
      name: 'pii_token_features',
      nodes,
      inputs: [valueInfo('feature_ids', 'int32', [1, 'tokens', K]), ...(wv ? [valueInfo('word_ids', 'int32', [1, 'tokens'])] : [])],
      outputs: [valueInfo('probabilities', 'float32', [1, 'tokens', L])],
      initializers: [...inits, ...(wv?.inits ?? [])],
    },
    { metadata: meta },
  );
}

/** Nodes from word_ids to wv_add [1,T,D] (see the header). */
function wordVecNodes(p: WordVecPath, table: Float32Array): { nodes: ReturnType<typeof node>[]; inits: ReturnType<typeof initF32>[] } {
  const { rank: R, win: W } = p;
  const rows = table.length / R;
  const qt = quantizeColumns(table, rows, R);
  const inits = [initI8('wv_table', [rows, R], qt.q), initF32('wv_scale', [R], qt.scale), initF32('wv_b', [(2 * W + 1) * R, p.B.length / ((2 * W + 1) * R)], p.B)];
  const nodes = [
    node('Gather', ['wv_table', 'word_ids'], ['wv_q'], { axis: 0 }),
    node('Cast', ['wv_q'], ['wv_f'], { to: FLOAT }),
    node('Mul', ['wv_f', 'wv_scale'], ['wv_u']),
  ];
  if (W === 0) nodes.push(node('MatMul', ['wv_u', 'wv_b'], ['wv_add']));
  else {
    inits.push(i64Const('wv_pads', [0, W, 0, 0, W, 0]));
    nodes.push(node('Pad', ['wv_u', 'wv_pads'], ['wv_pad']));
    const parts: string[] = [];
    for (let s = 0; s <= 2 * W; s++) {
      inits.push(i64Const(`wv_s${s}`, [s]), i64Const(`wv_e${s}`, [s === 2 * W ? 2 ** 31 - 1 : s - 2 * W]));
      nodes.push(node('Slice', ['wv_pad', `wv_s${s}`, `wv_e${s}`, 'axis1'], [`wv_sh${s}`]));
      parts.push(`wv_sh${s}`);
    }
    nodes.push(node('Concat', parts, ['wv_ctx'], { axis: 2 }), node('MatMul', ['wv_ctx', 'wv_b'], ['wv_add']));
  }
  return { nodes, inits };
}
