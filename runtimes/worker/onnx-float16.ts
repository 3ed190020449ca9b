// Does an ONNX model compute with float16 anywhere? A protobuf walk over the ModelProto bytes with
// the core's wire reader (src/classify/onnx-wire.ts, no decoder dependency in the Worker bundle) that
// reads only type fields and skips the weights' payloads, so a 5 MB pack is scanned in well under a
// millisecond of real work.
// Looked at: initializers and sparse initializers, graph inputs/outputs/value_info, tensors held
// by node attributes (Constant, ConstantOfShape), `to` of Cast/CastLike-style attributes, and
// subgraphs (If/Loop/Scan bodies) and model-local functions, recursively.
import { readFields, WIRE_LEN, WIRE_VARINT, type WireField } from '../../src/classify/onnx-wire.ts';

const FLOAT16 = 10;

/** The payload range [start, end) of a length-delimited field. */
type Walk = (b: Uint8Array, start: number, end: number) => void;

/** True when the model holds or produces float16 tensors. Throws on bytes that are not protobuf. */
export function usesFloat16(model: Uint8Array): boolean {
  let found = false;
  // Visits the fields of buf[s, e) until a float16 is found.
  const each = (b: Uint8Array, s: number, e: number, visit: (f: WireField) => void) => {
    for (const f of readFields(b, s, e)) {
      if (found) return;
      visit(f);
    }
  };
  const isLen = (f: WireField, no: number) => f.no === no && f.wire === WIRE_LEN;
  const isVarint = (f: WireField, no: number, value: number) => f.no === no && f.wire === WIRE_VARINT && f.value === value;
  const sub = (f: WireField, walk: Walk) => walk(model, f.value, f.end);

  const tensor: Walk = (b, s, e) =>
    each(b, s, e, (f) => {
      if (isVarint(f, 2, FLOAT16)) found = true; // TensorProto.data_type
    });
  const sparse: Walk = (b, s, e) =>
    each(b, s, e, (f) => {
      if (isLen(f, 1)) sub(f, tensor); // SparseTensorProto.values
    });
  const type: Walk = (b, s, e) =>
    each(b, s, e, (f) => {
      if (f.wire !== WIRE_LEN) return;
      // tensor_type (1) / sparse_tensor_type (8): elem_type is field 1; sequence (4), optional (9):
      // elem_type is a TypeProto; map (5): value_type (2) is a TypeProto.
      if (f.no === 1 || f.no === 8) {
        each(b, f.value, f.end, (g) => {
          if (isVarint(g, 1, FLOAT16)) found = true;
        });
      } else if (f.no === 4 || f.no === 9) {
        each(b, f.value, f.end, (g) => { if (isLen(g, 1)) sub(g, type); });
      } else if (f.no === 5) {
        each(b, f.value, f.end, (g) => { if (isLen(g, 2)) sub(g, type); });
      }
    });
  const valueInfo: Walk = (b, s, e) =>
    each(b, s, e, (f) => {
      if (isLen(f, 2)) sub(f, type); // ValueInfoProto.type
    });
  const decoder = new TextDecoder();
  const attribute: Walk = (b, s, e) => {
    let dtypeAttr = false;
    let intValue = -1;
    each(b, s, e, (f) => {
      if (isLen(f, 1)) {
        const name = decoder.decode(b.subarray(f.value, f.end));
        dtypeAttr = name === 'to' || name === 'dtype';
      } else if (f.no === 3 && f.wire === WIRE_VARINT) intValue = f.value;
      else if (isLen(f, 5) || isLen(f, 10)) sub(f, tensor); // t, tensors
      else if (isLen(f, 6) || isLen(f, 11)) sub(f, graph); // g, graphs
      else if (isLen(f, 22)) sub(f, sparse);
    });
    if (dtypeAttr && intValue === FLOAT16) found = true;
  };
  const node: Walk = (b, s, e) =>
    each(b, s, e, (f) => {
      if (isLen(f, 5)) sub(f, attribute);
    });
  const graph: Walk = (b, s, e) =>
    each(b, s, e, (f) => {
      if (f.wire !== WIRE_LEN) return;
      if (f.no === 1) sub(f, node);
      else if (f.no === 5) sub(f, tensor);
      else if (f.no === 11 || f.no === 12 || f.no === 13) sub(f, valueInfo);
      else if (f.no === 15) sub(f, sparse);
    });
  const fn: Walk = (b, s, e) =>
    each(b, s, e, (f) => {
      if (isLen(f, 7)) sub(f, node); // FunctionProto.node
    });
  each(model, 0, model.byteLength, (f) => {
    if (isLen(f, 7)) sub(f, graph); // ModelProto.graph
    else if (isLen(f, 25)) sub(f, fn); // ModelProto.functions
  });
  return found;
}
