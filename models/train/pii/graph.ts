// ONNX graph of the PII token model (see model.ts for the maths). Feature table stored int8 with a
// per-row fp16 scale; context and output layers float32 (they are small).
//   feature_ids int32 [1,T,K] -> Gather int8 rows * row scale -> ReduceSum over K -> +b1, Relu -> h
//   h padded by one zero row each side, three Slices concatenated -> [h_{t-1}; h_t; h_{t+1}]
//   MatMul Wc + bc, Relu -> MatMul Wo + bo -> Softmax -> probabilities [1,T,L]
import { dequantize, quantizeTable } from '../graphs.ts';
import { i64Const, initF16, initF32, initI8, node, serializeModel, valueInfo } from '../onnx-builder.ts';
import type { PiiNet } from './model.ts';

const FLOAT = 1;

/** The feature table exactly as the graph will see it (after int8 quantisation). */
export function shippedTable(net: PiiNet): Float32Array {
  return dequantize(quantizeTable(net.E, net.buckets, net.dim, 'int8'), net.buckets, net.dim);
}

export function buildPiiGraph(net: PiiNet, K: number, meta: Record<string, string>): Uint8Array {
  const { buckets: V, dim: D, ctx: G, labels: L } = net;
  const qt = quantizeTable(net.E, V, D, 'int8');
  const inits = [
    initI8('table', [V, D], qt.q!),
    initF16('row_scale', [V], qt.scale!),
    initF32('b1', [D], net.b1),
    initF32('wc', [3 * D, G], net.Wc),
    initF32('bc', [G], net.bc),
    initF32('wo', [G, L], net.Wo),
    initF32('bo', [L], net.bo),
    i64Const('axis2', [2]),
    i64Const('axis3', [3]),
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
    node('Cast', ['rows_q'], ['rows'], { to: FLOAT }),
    node('Gather', ['row_scale', 'feature_ids'], ['scale16'], { axis: 0 }),
    node('Cast', ['scale16'], ['scale'], { to: FLOAT }),
    node('Unsqueeze', ['scale', 'axis3'], ['scale4']),
    node('Mul', ['rows', 'scale4'], ['rows_s']),
    node('ReduceSum', ['rows_s', 'axis2'], ['bag'], { keepdims: 0 }),
    node('Add', ['bag', 'b1'], ['h_pre']),
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
      inputs: [valueInfo('feature_ids', 'int32', [1, 'tokens', K])],
      outputs: [valueInfo('probabilities', 'float32', [1, 'tokens', L])],
      initializers: inits,
    },
    { metadata: meta },
  );
}
