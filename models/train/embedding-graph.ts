// ONNX graph of the embedding pack: a lexical half and a word-vector half, each L2-normalised,
// weighted and concatenated, then L2-normalised again (cosine = (1 - wg) cos_lex + wg cos_wv when
// both halves are non-zero).
//   lexical:  xn = TF-IDF(ids, weights) L2-normalised (graphs.ts tfidfInput);
//             lex = sum_l xn[l] * P[ids[l] mod R]     (distilled or Gaussian projection, int8 + column scale;
//             summed by MatMulInteger over 7-bit levels of xn, integer-bag.ts: the float form's Cast of
//             ~1,500 gathered 256-column rows was the most expensive kernel of the four fused packs)
//             with a student (embedding-student.ts): lex = [||x|| > 0] tanh(lex + b1) W2 (W2 float32
//             [lexDim, lexDim]; the gate keeps an empty text at the zero vector despite the bias)
//   words:    wv = sum_l wv_weights[l] * T[wv_ids[l]]  (SIF-weighted GloVe rows with the common
//             components removed, embedding-wordvec.ts; int8 + column scale)
//   out = L2( [sqrt(1 - wg) * L2(lex), sqrt(wg) * L2(wv)] )
// A text without words gives zero halves and the zero vector (eps keeps the divisions finite).
import { initF32, initI8, node, serializeModel, valueInfo } from './onnx-builder.ts';
import { tfidfInput, modRows, quantizeTable, type ModRowsPart } from './graphs.ts';
import { integerBag } from './integer-bag.ts';

export interface EmbeddingGraphWeights {
  buckets: number;
  idf: Float32Array;
  /** [lexRows, lexDim] projection (distilled or Gaussian), indexed by ids mod lexRows. */
  lex: Float32Array;
  lexRows: number;
  lexDim: number;
  /** [wvBuckets, wvDim] word-vector rows. */
  wv: Float32Array;
  wvBuckets: number;
  wvDim: number;
  /** Share of the cosine that comes from the word-vector half. */
  wg: number;
  /** Nonlinear student (embedding-student.ts): bias [lexDim] and output matrix [lexDim, lexDim]. */
  student?: { b1: Float32Array; w2: Float32Array };
}

/** How both tables are stored; train-embedding.ts evaluates the same round trip. */
export const EMBEDDING_QUANT = 'int8col' as const;

const MOD_NAMES: Record<ModRowsPart, string> = { R: 'table_rows', q: 'ids_q', qf: 'ids_qf', base: 'ids_base', rf: 'row_f', rows: 'row_ids' };
const FLOAT = 1;

type Node = ReturnType<typeof node>;

/**
 * Weighted bag of int8 rows with per-column scales: scale (.) sum_l coef[l] * table[idx[l]]. The
 * scale is applied once to the bag, not per gathered row (graphs.ts 'int8col').
 */
function bag(prefix: string, idx: string, coef: string, out: string): Node[] {
  return [
    node('Gather', [`${prefix}_table`, idx], [`${prefix}_rows_q`], { axis: 0 }),
    node('Cast', [`${prefix}_rows_q`], [`${prefix}_rows`], { to: FLOAT }),
    node('Unsqueeze', [coef, 'axis1'], [`${prefix}_coef3`]),
    node('MatMul', [`${prefix}_coef3`, `${prefix}_rows`], [`${prefix}_bag3`]),
    node('Squeeze', [`${prefix}_bag3`, 'axis1'], [`${prefix}_bag_q`]),
    node('Mul', [`${prefix}_bag_q`, `${prefix}_scale`], [out]),
  ];
}

/** v / max(||v||_2, eps) along axis 1 (ReduceL2 is avoided for the GPU EPs, as in graphs.ts). */
function l2(v: string, out: string): Node[] {
  return [
    node('Mul', [v, v], [`${v}_sq`]),
    node('ReduceSum', [`${v}_sq`, 'axis1'], [`${v}_ss`], { keepdims: 1 }),
    node('Max', [`${v}_ss`, 'eps'], [`${v}_ss_c`]),
    node('Sqrt', [`${v}_ss_c`], [`${v}_norm`]),
    node('Div', [v, `${v}_norm`], [out]),
  ];
}

export function buildEmbeddingGraph(w: EmbeddingGraphWeights, meta: Record<string, string> = {}): Uint8Array {
  const { inits, nodes } = tfidfInput(w.buckets, w.idf);
  const mod = modRows('ids_f', w.lexRows, (part) => MOD_NAMES[part]);
  const lq = quantizeTable(w.lex, w.lexRows, w.lexDim, EMBEDDING_QUANT);
  const wq = quantizeTable(w.wv, w.wvBuckets, w.wvDim, EMBEDDING_QUANT);
  inits.push(
    mod.init,
    initI8('lex_table', [w.lexRows, w.lexDim], lq.q!),
    initF32('lex_scale', [w.lexDim], lq.colScale!),
    initI8('wv_table', [w.wvBuckets, w.wvDim], wq.q!),
    initF32('wv_scale', [w.wvDim], wq.colScale!),
    initF32('lex_share', [], new Float32Array([Math.sqrt(1 - w.wg)])),
    initF32('wv_share', [], new Float32Array([Math.sqrt(w.wg)])),
  );
  const lexBag = integerBag('lex', 'lex_table', MOD_NAMES.rows, 'xn', 'lex_scale', 'lex_bag');
  inits.push(...lexBag.inits);
  const lexNodes = lexBag.nodes;
  if (w.student) {
    // gate = min(x_ss * 1e12, 1): 0 for an empty bag, 1 otherwise. Not Greater + Cast: onnxruntime-web's
    // WebGPU EP gave outputs 0.41 away from WASM with that bool pair (test/integration/webgpu-chromium).
    inits.push(
      initF32('lex_b1', [w.lexDim], w.student.b1),
      initF32('lex_w2', [w.lexDim, w.lexDim], w.student.w2),
      initF32('gate_big', [], new Float32Array([1e12])),
      initF32('gate_one', [], new Float32Array([1])),
    );
    lexNodes.push(
      node('Add', ['lex_bag', 'lex_b1'], ['lex_z']),
      node('Tanh', ['lex_z'], ['lex_h']),
      node('MatMul', ['lex_h', 'lex_w2'], ['lex_hw']),
      node('Mul', ['x_ss', 'gate_big'], ['lex_gate_big']), // x_ss: the bag's squared norm (tfidfInput)
      node('Min', ['lex_gate_big', 'gate_one'], ['lex_gate']),
      node('Mul', ['lex_hw', 'lex_gate'], ['lex_out']),
      ...l2('lex_out', 'lex_n'),
    );
  } else lexNodes.push(...l2('lex_bag', 'lex_n'));
  nodes.push(
    node('Cast', ['ids'], ['ids_f'], { to: FLOAT }),
    ...mod.nodes,
    ...lexNodes,
    ...bag('wv', 'wv_ids', 'wv_weights', 'wv_bag'),
    ...l2('wv_bag', 'wv_n'),
    node('Mul', ['lex_n', 'lex_share'], ['lex_part']),
    node('Mul', ['wv_n', 'wv_share'], ['wv_part']),
    node('Concat', ['lex_part', 'wv_part'], ['both'], { axis: 1 }),
    ...l2('both', 'embedding'),
  );
  return serializeModel(
    {
      name: 'embedding_lexical_wordvec',
      nodes,
      inputs: [
        valueInfo('ids', 'int64', ['batch', 'sequence']),
        valueInfo('weights', 'float32', ['batch', 'sequence']),
        valueInfo('wv_ids', 'int64', ['batch', 'words']),
        valueInfo('wv_weights', 'float32', ['batch', 'words']),
      ],
      outputs: [valueInfo('embedding', 'float32', ['batch', w.lexDim + w.wvDim])],
      initializers: inits,
    },
    { metadata: meta },
  );
}
