// Does an ONNX model compute with float16 anywhere? A minimal protobuf walk over the ModelProto
// bytes (no decoder dependency in the Worker bundle) that reads only type fields and skips the
// weights' payloads, so a 5 MB pack is scanned in well under a millisecond of real work.
// Looked at: initializers and sparse initializers, graph inputs/outputs/value_info, tensors held
// by node attributes (Constant, ConstantOfShape), `to` of Cast/CastLike-style attributes, and
// subgraphs (If/Loop/Scan bodies) and model-local functions, recursively.

const FLOAT16 = 10;

type Visit = (field: number, wire: number, value: number, start: number, end: number) => void;

/** Calls visit for every field of the message in buf[start, end); varints as value, bytes as a range. */
function fields(buf: Uint8Array, start: number, end: number, visit: Visit): void {
  let p = start;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= end) throw new Error('truncated varint');
      const b = buf[p++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (p < end) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) visit(field, wire, varint(), 0, 0);
    else if (wire === 2) {
      const len = varint();
      if (p + len > end) throw new Error('truncated field');
      visit(field, wire, 0, p, p + len);
      p += len;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** True when the model holds or produces float16 tensors. Throws on bytes that are not protobuf. */
export function usesFloat16(model: Uint8Array): boolean {
  let found = false;
  const sub = (s: number, e: number, fn: (b: Uint8Array, s: number, e: number) => void) => {
    if (!found) fn(model, s, e);
  };
  const tensor = (b: Uint8Array, s: number, e: number) =>
    fields(b, s, e, (f, w, v) => {
      if (f === 2 && w === 0 && v === FLOAT16) found = true; // TensorProto.data_type
    });
  const sparse = (b: Uint8Array, s: number, e: number) =>
    fields(b, s, e, (f, w, _v, ss, se) => {
      if (f === 1 && w === 2) sub(ss, se, tensor); // SparseTensorProto.values
    });
  const type = (b: Uint8Array, s: number, e: number): void =>
    fields(b, s, e, (f, w, _v, ss, se) => {
      if (w !== 2) return;
      // tensor_type (1) / sparse_tensor_type (8): elem_type is field 1; sequence (4), optional (9):
      // elem_type is a TypeProto; map (5): value_type (2) is a TypeProto.
      if (f === 1 || f === 8) {
        fields(b, ss, se, (ff, ww, vv) => {
          if (ff === 1 && ww === 0 && vv === FLOAT16) found = true;
        });
      } else if (f === 4 || f === 9) {
        fields(b, ss, se, (ff, ww, _vv, s2, e2) => { if (ff === 1 && ww === 2) sub(s2, e2, type); });
      } else if (f === 5) {
        fields(b, ss, se, (ff, ww, _vv, s2, e2) => { if (ff === 2 && ww === 2) sub(s2, e2, type); });
      }
    });
  const valueInfo = (b: Uint8Array, s: number, e: number) =>
    fields(b, s, e, (f, w, _v, ss, se) => {
      if (f === 2 && w === 2) sub(ss, se, type); // ValueInfoProto.type
    });
  const attribute = (b: Uint8Array, s: number, e: number) => {
    let dtypeAttr = false;
    let intValue = -1;
    fields(b, s, e, (f, w, v, ss, se) => {
      if (f === 1 && w === 2) {
        const name = new TextDecoder().decode(b.subarray(ss, se));
        dtypeAttr = name === 'to' || name === 'dtype';
      } else if (f === 3 && w === 0) intValue = v;
      else if ((f === 5 || f === 10) && w === 2) sub(ss, se, tensor); // t, tensors
      else if ((f === 6 || f === 11) && w === 2) sub(ss, se, graph); // g, graphs
      else if (f === 22 && w === 2) sub(ss, se, sparse);
    });
    if (dtypeAttr && intValue === FLOAT16) found = true;
  };
  const node = (b: Uint8Array, s: number, e: number) =>
    fields(b, s, e, (f, w, _v, ss, se) => {
      if (f === 5 && w === 2) sub(ss, se, attribute);
    });
  const graph = (b: Uint8Array, s: number, e: number): void =>
    fields(b, s, e, (f, w, _v, ss, se) => {
      if (w !== 2) return;
      if (f === 1) sub(ss, se, node);
      else if (f === 5) sub(ss, se, tensor);
      else if (f === 11 || f === 12 || f === 13) sub(ss, se, valueInfo);
      else if (f === 15) sub(ss, se, sparse);
    });
  const fn = (b: Uint8Array, s: number, e: number) =>
    fields(b, s, e, (f, w, _v, ss, se) => {
      if (f === 7 && w === 2) sub(ss, se, node); // FunctionProto.node
    });
  fields(model, 0, model.byteLength, (f, w, _v, s, e) => {
    if (w !== 2) return;
    if (f === 7) sub(s, e, graph); // ModelProto.graph
    else if (f === 25) sub(s, e, fn); // ModelProto.functions
  });
  return found;
}
