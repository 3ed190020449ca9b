// The ONNX graph of every hashed-ngram pack (classifier or embedder):
//   ids int64 [B,L], weights float32 [B,L]  (from src/classify/featurizers/hashed-ngrams.ts)
//   x  = weights * idf[ids];  xn = x / max(||x||_2, eps)          (TF-IDF, L2-normalised)
//   h  = sum_l xn[l] * scale[ids[l]] * E[ids[l]]                  (Gather + MatMul: weighted bag)
//   classifier: h + b1 [-> Relu -> W2, b2] -> Softmax -> probs
//   embedder:   h [-> MatMul P] -> L2-normalise -> embedding
// Tables are stored as fp16, int8 with a per-row scale (DequantizeLinear is per-tensor, per-row
// scaling is a Gather + Mul that folds into xn), or int8 with a per-column scale applied once to the
// bag after the MatMul ('int8col'): no scale Gather per n-gram, which is what makes it the fastest
// (onnxruntime's Gather of 4-byte rows costs ~9 ns a row; the default packs' session.run was 18-25 %
// shorter, bench/classifiers.ts). IDF and scales are rounded to fp16 precision
// but stored as float32: onnxruntime-web's WebGPU EP reads float16 tensors as zeros on adapters
// without shader-f16 (BENCHMARKS.md), and float32 also saves a Cast per request.
import { i64Const, initF16, initF32, initI8, initI64, node, serializeModel, valueInfo, toFloat16Bits, fromFloat16Bits } from './onnx-builder.ts';

export interface HashedGraphWeights {
  kind: 'classifier' | 'embedder';
  buckets: number;
  dim: number;
  idf: Float32Array; // [V]
  table: Float32Array; // [V, dim]
  bias?: Float32Array; // [dim]
  hidden?: { w: Float32Array; b: Float32Array; out: number }; // [dim, out] after Relu
  projection?: { w: Float32Array; out: number }; // embedder only, [dim, out]
  quant: TableQuant;
  /** When set, the table has this many rows and is indexed by ids mod tableRows (idf keeps full ids). */
  tableRows?: number;
}

export type TableQuant = 'fp16' | 'int8' | 'int8col';

export interface QuantizedTable {
  q: Int8Array | null;
  half: Uint16Array | null;
  scale: Float32Array | null; // per row, int8 only
  colScale?: Float32Array; // per column, int8col only
}

const fp16Round = (v: number) => fromFloat16Bits(toFloat16Bits(new Float32Array([v])))[0]!;

export function quantizeTable(t: Float32Array, rows: number, dim: number, quant: TableQuant): QuantizedTable {
  if (quant === 'fp16') return { q: null, half: toFloat16Bits(t), scale: null };
  if (quant === 'int8col') return quantizeColumns(t, rows, dim);
  const q = new Int8Array(t.length);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let d = 0; d < dim; d++) m = Math.max(m, Math.abs(t[r * dim + d]));
    // the scale is itself stored as fp16, so round it first and quantise against the stored value
    const s = m > 0 ? fp16Round(m / 127) : 0;
    scale[r] = s;
    for (let d = 0; d < dim; d++) q[r * dim + d] = s > 0 ? Math.max(-127, Math.min(127, Math.round(t[r * dim + d] / s))) : 0;
  }
  return { q, half: null, scale };
}

/** int8 with one scale per column (the column's largest |value| / 127, rounded to fp16 precision). */
function quantizeColumns(t: Float32Array, rows: number, dim: number): QuantizedTable {
  const colScale = new Float32Array(dim);
  for (let i = 0; i < t.length; i++) colScale[i % dim] = Math.max(colScale[i % dim]!, Math.abs(t[i]!));
  for (let d = 0; d < dim; d++) colScale[d] = colScale[d]! > 0 ? fp16Round(colScale[d]! / 127) : 0;
  const q = new Int8Array(rows * dim);
  for (let i = 0; i < q.length; i++) {
    const s = colScale[i % dim]!;
    q[i] = s > 0 ? Math.max(-127, Math.min(127, Math.round(t[i]! / s))) : 0;
  }
  return { q, half: null, scale: null, colScale };
}

/** The table values the shipped graph actually uses (for evaluating exactly what is exported). */
export function dequantize(qt: QuantizedTable, rows: number, dim: number): Float32Array {
  if (qt.half) return fromFloat16Bits(qt.half);
  if (qt.colScale) return Float32Array.from(qt.q!, (v, i) => v * qt.colScale![i % dim]!);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) out[r * dim + d] = qt.q![r * dim + d] * qt.scale![r];
  return out;
}

type Node = ReturnType<typeof node>;
type Init = ReturnType<typeof initF32>;

/**
 * The input half every hashed-ngram graph shares: x = weights * idf[ids], xn = x / max(||x||_2, eps).
 * Declares the initializers idf, axis1, eps and produces "xn".
 */
export function tfidfInput(buckets: number, idf: Float32Array): { inits: Init[]; nodes: Node[] } {
  return {
    inits: [initF32('idf', [buckets], fromFloat16Bits(toFloat16Bits(idf))), i64Const('axis1', [1]), initF32('eps', [], new Float32Array([1e-12]))],
    nodes: [
      node('Gather', ['idf', 'ids'], ['idf_g'], { axis: 0 }),
      node('Mul', ['weights', 'idf_g'], ['x']),
      node('Mul', ['x', 'x'], ['x_sq']),
      node('ReduceSum', ['x_sq', 'axis1'], ['x_ss'], { keepdims: 1 }),
      node('Max', ['x_ss', 'eps'], ['x_ss_c']),
      node('Sqrt', ['x_ss_c'], ['x_norm']),
      node('Div', ['x', 'x_norm'], ['xn']),
    ],
  };
}

export type ModRowsPart = 'R' | 'q' | 'qf' | 'base' | 'rf' | 'rows';

/**
 * Table rows for a table smaller than the id space: ids mod R from float ids (`idsF`), as int32
 * indices, in float32 (exact for ids < 2^24). With an int64 Mod (or any computed int64 index tensor)
 * onnxruntime-web's WebGPU EP gathered wrong rows (embedding off by 2.6e-2 vs WASM in
 * test/integration/webgpu-chromium.test.ts); this form agrees to 7e-8. `name` picks the tensor
 * names (they are part of the exported bytes); the result is name('rows').
 */
export function modRows(idsF: string, R: number, name: (part: ModRowsPart) => string): { init: Init; nodes: Node[] } {
  return {
    init: initF32(name('R'), [], new Float32Array([R])),
    nodes: [
      node('Div', [idsF, name('R')], [name('q')]),
      node('Floor', [name('q')], [name('qf')]),
      node('Mul', [name('qf'), name('R')], [name('base')]),
      node('Sub', [idsF, name('base')], [name('rf')]),
      node('Cast', [name('rf')], [name('rows')], { to: 6 }),
    ],
  };
}

const HASHED_MOD_NAMES: Record<ModRowsPart, string> = { R: 'table_rows', q: 'ids_q', qf: 'ids_qf', base: 'ids_base', rf: 'row_f', rows: 'row_ids' };

export function buildHashedGraph(w: HashedGraphWeights, meta: Record<string, string> = {}): { bytes: Uint8Array; outputName: string; outputDim: number } {
  const V = w.buckets;
  const D = w.dim;
  const { inits, nodes } = tfidfInput(V, w.idf);
  let coef = 'xn';
  const FLOAT = 1;
  const R = w.tableRows ?? V;
  let rowIds = 'ids';
  if (R !== V) {
    const mod = modRows('ids_f', R, (part) => HASHED_MOD_NAMES[part]);
    inits.push(mod.init);
    nodes.push(node('Cast', ['ids'], ['ids_f'], { to: FLOAT }), ...mod.nodes);
    rowIds = HASHED_MOD_NAMES.rows;
  }
  const qt = quantizeTable(w.table, R, D, w.quant);
  if (qt.half) {
    inits.push(initF16('table', [R, D], w.table));
  } else if (qt.colScale) {
    inits.push(initI8('table', [R, D], qt.q!), initF32('col_scale', [D], qt.colScale));
  } else {
    inits.push(initI8('table', [R, D], qt.q!), initF32('row_scale', [R], qt.scale!));
    nodes.push(
      node('Gather', ['row_scale', rowIds], ['rs_g'], { axis: 0 }),
      node('Mul', ['xn', 'rs_g'], ['xs']),
    );
    coef = 'xs';
  }
  nodes.push(
    node('Gather', ['table', rowIds], ['rows_q'], { axis: 0 }),
    node('Cast', ['rows_q'], ['rows'], { to: FLOAT }),
    node('Unsqueeze', [coef, 'axis1'], ['coef3']),
    node('MatMul', ['coef3', 'rows'], ['bag3']),
    node('Squeeze', ['bag3', 'axis1'], [qt.colScale ? 'bag_q' : 'bag']),
  );
  if (qt.colScale) nodes.push(node('Mul', ['bag_q', 'col_scale'], ['bag']));
  let outputName: string;
  let outputDim: number;
  if (w.kind === 'classifier') {
    inits.push(initF32('b1', [D], w.bias ?? new Float32Array(D)));
    nodes.push(node('Add', ['bag', 'b1'], ['h1']));
    let logits = 'h1';
    outputDim = D;
    if (w.hidden) {
      inits.push(initF32('w2', [D, w.hidden.out], w.hidden.w), initF32('b2', [w.hidden.out], w.hidden.b));
      nodes.push(node('Relu', ['h1'], ['h1r']), node('MatMul', ['h1r', 'w2'], ['h2m']), node('Add', ['h2m', 'b2'], ['h2']));
      logits = 'h2';
      outputDim = w.hidden.out;
    }
    nodes.push(node('Identity', [logits], ['logits']), node('Softmax', ['logits'], ['probs'], { axis: -1 }));
    outputName = 'probs';
  } else {
    let v = 'bag';
    outputDim = D;
    if (w.projection) {
      inits.push(initF32('proj', [D, w.projection.out], w.projection.w));
      nodes.push(node('MatMul', ['bag', 'proj'], ['bag_p']));
      v = 'bag_p';
      outputDim = w.projection.out;
    }
    // Same form as the TF-IDF normalisation above (ReduceL2 is avoided for the GPU EPs).
    nodes.push(
      node('Mul', [v, v], ['v_sq']),
      node('ReduceSum', ['v_sq', 'axis1'], ['v_ss'], { keepdims: 1 }),
      node('Max', ['v_ss', 'eps'], ['v_ss_c']),
      node('Sqrt', ['v_ss_c'], ['v_norm']),
      node('Div', [v, 'v_norm'], ['embedding']),
    );
    outputName = 'embedding';
  }
  const outputs = [valueInfo(outputName, 'float32', ['batch', outputDim])];
  if (w.kind === 'classifier') outputs.push(valueInfo('logits', 'float32', ['batch', outputDim]));
  const bytes = serializeModel(
    {
      name: `hashed_ngrams_${w.kind}`,
      nodes,
      inputs: [valueInfo('ids', 'int64', ['batch', 'sequence']), valueInfo('weights', 'float32', ['batch', 'sequence'])],
      outputs,
      initializers: inits,
    },
    { metadata: meta },
  );
  return { bytes, outputName, outputDim };
}
