// ONNX graph of an ensemble of linear softmax models over ONE hashed TF-IDF bag (same feeds as
// graphs.ts, so packs keep sharing one featurization per request):
//   xn = L2norm(weights * idf[ids])                                  (shared)
//   member m: logits_m = sum_l xn[l] * scale_m[r] * E_m[r] + b_m,  r = ids[l] mod R_m
//             p_m = Softmax(logits_m) [-> MatMul M_m: fine classes summed into the pack's labels]
//   probs = mean_m p_m,  logits = Log(probs)
// A member can be trained on finer labels (e.g. the MMLU subject under each category) and use a
// smaller table (ids mod R_m) to fit the 8 MiB pack budget; tables are int8 with per-row scales
// (scale[r] above) or per-column scales (applied to the member's bag instead: 'int8col', graphs.ts).
// The bag sum_l c[l] * E_m[r] is taken on the int8 rows by MatMulInteger (integer-bag.ts: each
// coefficient within 2.4e-7 of the largest), not by casting the gathered rows to float.
import { initF32, initI8, node, serializeModel, valueInfo } from './onnx-builder.ts';
import { modRows, quantizeTable, tfidfInput } from './graphs.ts';
import { integerLevels, integerSum } from './integer-bag.ts';

export interface EnsembleMember {
  rows: number; // table rows R (ids mod R); == buckets for a full table
  classes: number; // width of the member's softmax
  table: Float32Array; // [rows, classes]
  bias: Float32Array; // [classes]
  /** [classes, outClasses] 0/1 matrix mapping fine classes to the pack's labels; absent = identity. */
  marginal?: Float32Array;
}

export function buildEnsembleGraph(buckets: number, idf: Float32Array, outClasses: number, members: EnsembleMember[], meta: Record<string, string> = {}, quant: 'int8' | 'int8col' = 'int8'): Uint8Array {
  const FLOAT = 1;
  const { inits, nodes } = tfidfInput(buckets, idf);
  inits.push(initF32('inv_m', [], new Float32Array([1 / members.length])), initF32('tiny', [], new Float32Array([1e-30])));
  nodes.push(node('Cast', ['ids'], ['ids_f'], { to: FLOAT }));
  const probs: string[] = [];
  let shared: ReturnType<typeof integerLevels> | undefined;
  members.forEach((m, i) => {
    const p = `m${i}_`;
    let rowIds = 'ids';
    if (m.rows !== buckets) {
      const mod = modRows('ids_f', m.rows, (part) => p + part);
      inits.push(mod.init);
      nodes.push(...mod.nodes);
      rowIds = `${p}rows`;
    }
    const qt = quantizeTable(m.table, m.rows, m.classes, quant);
    inits.push(initI8(`${p}table`, [m.rows, m.classes], qt.q!), initF32(`${p}b`, [m.classes], m.bias));
    // Per-column scales: every member bags xn itself, so they share one set of levels (integer-bag.ts).
    // Per-row scales make each member's coefficients xn * scale[row]: levels of its own.
    let levels = 'bag';
    if (qt.scale) {
      inits.push(initF32(`${p}scale`, [m.rows], qt.scale));
      nodes.push(node('Gather', [`${p}scale`, rowIds], [`${p}rs`], { axis: 0 }), node('Mul', ['xn', `${p}rs`], [`${p}xs`]));
      const own = integerLevels(`${p}lv`, `${p}xs`);
      inits.push(...own.inits);
      nodes.push(...own.nodes, own.unit);
      levels = `${p}lv`;
    } else if (!shared) {
      shared = integerLevels('bag', 'xn');
      inits.push(...shared.inits);
      nodes.push(...shared.nodes, shared.unit);
    }
    if (qt.colScale) inits.push(initF32(`${p}cs`, [m.classes], qt.colScale));
    nodes.push(node('Gather', [`${p}table`, rowIds], [`${p}tq`], { axis: 0 }), ...integerSum(`${p}is`, levels, `${p}tq`, qt.colScale ? `${p}cs` : undefined, `${p}bag`));
    nodes.push(
      node('Add', [`${p}bag`, `${p}b`], [`${p}logits`]),
      node('Softmax', [`${p}logits`], [`${p}p`], { axis: -1 }),
    );
    if (m.marginal) {
      inits.push(initF32(`${p}marg`, [m.classes, outClasses], m.marginal));
      nodes.push(node('MatMul', [`${p}p`, `${p}marg`], [`${p}pc`]));
      probs.push(`${p}pc`);
    } else probs.push(`${p}p`);
  });
  nodes.push(node('Sum', probs, ['p_sum']), node('Mul', ['p_sum', 'inv_m'], ['probs']), node('Max', ['probs', 'tiny'], ['probs_c']), node('Log', ['probs_c'], ['logits']));
  return serializeModel(
    {
      name: 'hashed_ngrams_ensemble',
      nodes,
      inputs: [valueInfo('ids', 'int64', ['batch', 'sequence']), valueInfo('weights', 'float32', ['batch', 'sequence'])],
      outputs: [valueInfo('probs', 'float32', ['batch', outClasses]), valueInfo('logits', 'float32', ['batch', outClasses])],
      initializers: inits,
    },
    { metadata: meta },
  );
}
