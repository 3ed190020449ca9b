// Merges several ONNX models into one graph, so one session.run serves several packs (fused.ts).
// Every name of a part's graph gets the part's prefix, except the inputs the caller maps to shared
// names (packs fed by one featurizer read one graph input) and the outputs it keeps (renamed as
// asked). Nodes that no kept output needs are dropped (e.g. a pack's unused `logits`), so the merged
// graph computes exactly the kept outputs with the same operators on the same values.
// Models this cannot merge safely (subgraphs, model-local functions, opset versions that disagree)
// are refused with a FuseError; callers then keep separate sessions.
import { fieldString, readFields, WireError, WireWriter, WIRE_LEN, WIRE_VARINT, type WireField } from './onnx-wire.ts';

export interface MergePart {
  model: Uint8Array;
  /** Prepended to every name of this part's graph (nodes, tensors, initializers). */
  prefix: string;
  /** Graph input -> merged input name; parts that map an input to the same name share that input. */
  inputs: Readonly<Record<string, string>>;
  /** Graph outputs to keep -> merged output name. Outputs not listed are dropped. */
  outputs: Readonly<Record<string, string>>;
}

export class FuseError extends Error {}

// Field numbers of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, ...).
const MODEL = { ir: 1, graph: 7, opset: 8, functions: 25 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, doc: 10, input: 11, output: 12, valueInfo: 13, quantAnnotation: 14, sparseInitializer: 15, metadata: 16 } as const;
const NODE = { input: 1, output: 2, name: 3, attribute: 5 } as const;
const ATTR_GRAPH_FIELDS = new Set([6, 11]); // g, graphs
const TENSOR_NAME = 8;
const SPARSE = { values: 1, indices: 2 } as const;
const VALUE_INFO_NAME = 1;
const ANNOTATION = { tensor: 1, params: 2 } as const;
const ENTRY_VALUE = 2;

type Rename = (name: string) => string;

/** A message with some string fields renamed and every other field copied as is. */
function renameFields(buf: Uint8Array, f: WireField, names: ReadonlySet<number>, rename: Rename): Uint8Array {
  const w = new WireWriter();
  for (const c of readFields(buf, f.value, f.end)) {
    if (names.has(c.no) && c.wire === WIRE_LEN) w.string(c.no, rename(fieldString(buf, c)));
    else w.raw(buf.subarray(c.start, c.end));
  }
  return w.finish();
}

function messageName(buf: Uint8Array, f: WireField, nameField: number): string {
  for (const c of readFields(buf, f.value, f.end)) if (c.no === nameField && c.wire === WIRE_LEN) return fieldString(buf, c);
  return '';
}

// TypeProto: tensor_type 1 / sparse_tensor_type 8 hold a shape (field 2) of dims (field 1) whose
// dim_param is field 2; sequence_type 4, optional_type 9 (elem_type 1) and map_type 5 (value_type 2)
// nest another TypeProto.
const TYPE_SHAPED = new Set([1, 8]);
const TYPE_NESTED: Readonly<Record<number, number>> = { 4: 1, 9: 1, 5: 2 };

function rewriteMessage(buf: Uint8Array, f: WireField, visit: (c: WireField, w: WireWriter) => boolean): Uint8Array {
  const w = new WireWriter();
  for (const c of readFields(buf, f.value, f.end)) if (!visit(c, w)) w.raw(buf.subarray(c.start, c.end));
  return w.finish();
}

/**
 * A TypeProto with every symbolic dimension prefixed. ORT takes one dim_param name to mean one size
 * across the whole graph, and two packs both calling their length "sequence" do not agree on it.
 */
function rewriteType(buf: Uint8Array, type: WireField, dimPrefix: string): Uint8Array {
  const dim = (d: WireField, w: WireWriter) => {
    if (d.no !== 2 || d.wire !== WIRE_LEN) return false;
    w.string(2, dimPrefix + fieldString(buf, d));
    return true;
  };
  const shape = (s: WireField, w: WireWriter) => {
    if (s.no !== 1 || s.wire !== WIRE_LEN) return false;
    w.bytes(1, rewriteMessage(buf, s, dim));
    return true;
  };
  return rewriteMessage(buf, type, (c, w) => {
    if (c.wire !== WIRE_LEN) return false;
    if (TYPE_SHAPED.has(c.no)) {
      w.bytes(c.no, rewriteMessage(buf, c, (s, w2) => (s.no === 2 && s.wire === WIRE_LEN ? (w2.bytes(2, rewriteMessage(buf, s, shape)), true) : false)));
      return true;
    }
    const nested = TYPE_NESTED[c.no];
    if (nested === undefined) return false;
    w.bytes(c.no, rewriteMessage(buf, c, (e, w2) => (e.no === nested && e.wire === WIRE_LEN ? (w2.bytes(nested, rewriteType(buf, e, dimPrefix)), true) : false)));
    return true;
  });
}

/** A ValueInfoProto (name 1, type 2) renamed, its symbolic dims prefixed. */
function rewriteValueInfo(buf: Uint8Array, f: WireField, rename: Rename, dimPrefix: string): Uint8Array {
  return rewriteMessage(buf, f, (c, w) => {
    if (c.wire !== WIRE_LEN) return false;
    if (c.no === VALUE_INFO_NAME) w.string(c.no, rename(fieldString(buf, c)));
    else if (c.no === 2) w.bytes(c.no, rewriteType(buf, c, dimPrefix));
    else return false;
    return true;
  });
}

interface MergedNode {
  bytes: Uint8Array;
  inputs: string[];
  outputs: string[];
}

function rewriteNode(buf: Uint8Array, f: WireField, rename: Rename, prefix: string): MergedNode {
  const w = new WireWriter();
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const c of readFields(buf, f.value, f.end)) {
    if (c.no === NODE.input || c.no === NODE.output) {
      const name = rename(fieldString(buf, c));
      (c.no === NODE.input ? inputs : outputs).push(name);
      w.string(c.no, name);
    } else if (c.no === NODE.name) {
      w.string(c.no, prefix + fieldString(buf, c));
    } else {
      if (c.no === NODE.attribute && readFields(buf, c.value, c.end).some((a) => ATTR_GRAPH_FIELDS.has(a.no))) {
        // Subgraphs see outer-scope names implicitly; renaming them correctly is not attempted.
        throw new FuseError('a node has a subgraph attribute (If/Loop/Scan)');
      }
      w.raw(buf.subarray(c.start, c.end));
    }
  }
  return { bytes: w.finish(), inputs, outputs };
}

function rewriteSparse(buf: Uint8Array, f: WireField, rename: Rename): Uint8Array {
  const w = new WireWriter();
  for (const c of readFields(buf, f.value, f.end)) {
    if (c.no === SPARSE.values || c.no === SPARSE.indices) w.bytes(c.no, renameFields(buf, c, new Set([TENSOR_NAME]), rename));
    else w.raw(buf.subarray(c.start, c.end));
  }
  return w.finish();
}

function rewriteAnnotation(buf: Uint8Array, f: WireField, rename: Rename): Uint8Array {
  const w = new WireWriter();
  for (const c of readFields(buf, f.value, f.end)) {
    if (c.no === ANNOTATION.tensor) w.string(c.no, rename(fieldString(buf, c)));
    else if (c.no === ANNOTATION.params) w.bytes(c.no, renameFields(buf, c, new Set([ENTRY_VALUE]), rename));
    else w.raw(buf.subarray(c.start, c.end));
  }
  return w.finish();
}

interface Collected {
  nodes: MergedNode[];
  /** Named graph entries (initializers, value infos, ...) kept only if some kept node needs them. */
  named: Array<{ field: number; name: string; bytes: Uint8Array }>;
  inputs: Array<{ name: string; bytes: Uint8Array; fed: boolean }>;
  outputs: Array<{ name: string; bytes: Uint8Array }>;
}

function collectGraph(buf: Uint8Array, graph: WireField, part: MergePart, into: Collected): void {
  const { prefix } = part;
  const rename: Rename = (n) => (n === '' ? '' : (part.inputs[n] ?? part.outputs[n] ?? prefix + n));
  const kept = new Set(Object.keys(part.outputs));
  const declaredOutputs = new Set<string>();
  const declaredInputs = new Set<string>();
  for (const f of readFields(buf, graph.value, graph.end)) {
    switch (f.no) {
      case GRAPH.node:
        into.nodes.push(rewriteNode(buf, f, rename, prefix));
        break;
      case GRAPH.initializer:
        into.named.push({ field: f.no, name: rename(messageName(buf, f, TENSOR_NAME)), bytes: renameFields(buf, f, new Set([TENSOR_NAME]), rename) });
        break;
      case GRAPH.sparseInitializer: {
        const values = readFields(buf, f.value, f.end).find((c) => c.no === SPARSE.values);
        const name = values ? rename(messageName(buf, values, TENSOR_NAME)) : '';
        into.named.push({ field: f.no, name, bytes: rewriteSparse(buf, f, rename) });
        break;
      }
      case GRAPH.valueInfo:
        into.named.push({ field: f.no, name: rename(messageName(buf, f, VALUE_INFO_NAME)), bytes: rewriteValueInfo(buf, f, rename, prefix) });
        break;
      case GRAPH.quantAnnotation: {
        const t = readFields(buf, f.value, f.end).find((c) => c.no === ANNOTATION.tensor);
        into.named.push({ field: f.no, name: t ? rename(fieldString(buf, t)) : '', bytes: rewriteAnnotation(buf, f, rename) });
        break;
      }
      case GRAPH.input: {
        const original = messageName(buf, f, VALUE_INFO_NAME);
        declaredInputs.add(original);
        const name = rename(original);
        // A shared input's dims are named after the input, so every part that reads it agrees.
        const dimPrefix = original in part.inputs ? `${name}:` : prefix;
        into.inputs.push({ name, bytes: rewriteValueInfo(buf, f, rename, dimPrefix), fed: original in part.inputs });
        break;
      }
      case GRAPH.output: {
        const original = messageName(buf, f, VALUE_INFO_NAME);
        declaredOutputs.add(original);
        if (kept.has(original)) into.outputs.push({ name: rename(original), bytes: rewriteValueInfo(buf, f, rename, prefix) });
        break;
      }
      case GRAPH.name:
      case GRAPH.doc:
      case GRAPH.metadata:
        break;
      default:
        throw new FuseError(`graph field ${f.no} is not understood`);
    }
  }
  for (const o of kept) if (!declaredOutputs.has(o)) throw new FuseError(`"${o}" is not a graph output`);
  for (const i of Object.keys(part.inputs)) if (!declaredInputs.has(i)) throw new FuseError(`"${i}" is not a graph input`);
}

/** One model whose graph holds every part's graph; see the file comment for the naming. */
export function mergeOnnxModels(parts: readonly MergePart[], nodeCount?: (part: number, nodes: number) => void): Uint8Array {
  return guarded(() => {
    const { ir, opsets, graphs } = collectParts(parts);
    graphs.forEach((c, i) => nodeCount?.(i, c.nodes.length));
    const g = new WireWriter();
    g.string(GRAPH.name, 'fused');
    for (const c of graphs) for (const n of c.nodes) g.bytes(GRAPH.node, n.bytes);
    for (const c of graphs) for (const e of c.named) g.bytes(e.field, e.bytes);
    const seenInputs = new Set<string>();
    for (const c of graphs) {
      for (const i of c.inputs) {
        if (seenInputs.has(i.name)) continue;
        seenInputs.add(i.name);
        g.bytes(GRAPH.input, i.bytes);
      }
    }
    for (const c of graphs) for (const o of c.outputs) g.bytes(GRAPH.output, o.bytes);
    return modelBytes(ir, opsets, g);
  });
}

function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof WireError) throw new FuseError(`not a readable ONNX model (${err.message})`);
    throw err;
  }
}

function modelBytes(ir: number, opsets: ReadonlyMap<string, number>, graph: WireWriter): Uint8Array {
  const m = new WireWriter();
  m.uint(MODEL.ir, ir);
  m.string(2, 'semroute-fused'); // producer_name
  m.message(MODEL.graph, graph);
  for (const [domain, version] of opsets) {
    const o = new WireWriter();
    if (domain) o.string(1, domain);
    o.uint(2, version);
    m.message(MODEL.opset, o);
  }
  return m.finish();
}

/** Each part's graph renamed and pruned to what its kept outputs need, plus the merged model header. */
function collectParts(parts: readonly MergePart[]): { ir: number; opsets: Map<string, number>; graphs: Collected[] } {
  let ir = 0;
  const opsets = new Map<string, number>();
  const graphs: Collected[] = [];
  for (const part of parts) {
    const buf = part.model;
    let graph: WireField | undefined;
    for (const f of readFields(buf)) {
      if (f.no === MODEL.ir && f.wire === WIRE_VARINT) ir = Math.max(ir, f.value);
      else if (f.no === MODEL.graph) graph = f;
      else if (f.no === MODEL.functions) throw new FuseError('model-local functions are not supported');
      else if (f.no === MODEL.opset) {
        let domain = '';
        let version = 0;
        for (const o of readFields(buf, f.value, f.end)) {
          if (o.no === 1) domain = fieldString(buf, o);
          else if (o.no === 2) version = o.value;
        }
        const had = opsets.get(domain);
        if (had !== undefined && had !== version) throw new FuseError(`opset "${domain || 'ai.onnx'}" ${had} and ${version} differ`);
        opsets.set(domain, version);
      }
    }
    if (!graph) throw new FuseError('model has no graph');
    const c: Collected = { nodes: [], named: [], inputs: [], outputs: [] };
    collectGraph(buf, graph, part, c);
    graphs.push(prune(c));
  }
  return { ir, opsets, graphs };
}

/** What the kept outputs need: nodes are topologically sorted, so one backward pass suffices. */
function prune(c: Collected): Collected {
  const needed = new Set(c.outputs.map((o) => o.name));
  const keep = new Array<boolean>(c.nodes.length).fill(false);
  for (let i = c.nodes.length - 1; i >= 0; i--) {
    const n = c.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    keep[i] = true;
    for (const x of n.inputs) if (x) needed.add(x);
  }
  return {
    nodes: c.nodes.filter((_, i) => keep[i]),
    named: c.named.filter((e) => needed.has(e.name)),
    inputs: c.inputs.filter((i) => i.fed || needed.has(i.name)),
    outputs: c.outputs,
  };
}
