// Small, generic helpers to build ONNX models with onnx-proto (ONNX 1.10, IR 8). Default opset 13:
// there ReduceSum, Squeeze and Unsqueeze take `axes` as an INPUT (use i64Const), while ReduceMean,
// ReduceMax and ReduceL2 still take it as an attribute.
// Used by every trainer (text packs and the PII token pack).
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
type TensorProto = onnxProto.onnx.TensorProto;
type NodeProto = onnxProto.onnx.NodeProto;
type ValueInfoProto = onnxProto.onnx.ValueInfoProto;

export const DT = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
} as const;
export type ElemType = keyof typeof DT;

function bytes(view: ArrayBufferView): Uint8Array {
  // onnx stores raw data little-endian; every platform we run on is little-endian.
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function raw(name: string, dims: readonly number[], dataType: number, data: Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType, rawData: data });
}

export function initF32(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  checkSize(name, dims, data.length);
  return raw(name, dims, DT.float32, bytes(data));
}

/** float32 values stored as IEEE half (round to nearest even); pair with a Cast to float in the graph. */
export function initF16(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  checkSize(name, dims, data.length);
  return raw(name, dims, DT.float16, bytes(toFloat16Bits(data)));
}

export function initI64(name: string, dims: readonly number[], data: BigInt64Array | readonly number[]): TensorProto {
  const arr = data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v));
  checkSize(name, dims, arr.length);
  return raw(name, dims, DT.int64, bytes(arr));
}

export function initI8(name: string, dims: readonly number[], data: Int8Array): TensorProto {
  checkSize(name, dims, data.length);
  return raw(name, dims, DT.int8, bytes(data));
}

export function initU8(name: string, dims: readonly number[], data: Uint8Array): TensorProto {
  checkSize(name, dims, data.length);
  return raw(name, dims, DT.uint8, bytes(data));
}

/** A 1-D int64 constant, e.g. the `axes` input of ReduceSum/Unsqueeze at opset 13. */
export function i64Const(name: string, values: readonly number[]): TensorProto {
  return initI64(name, [values.length], values);
}

function checkSize(name: string, dims: readonly number[], n: number): void {
  const want = dims.reduce((a, b) => a * b, 1);
  if (want !== n) throw new Error(`initializer ${name}: dims ${JSON.stringify(dims)} need ${want} values, got ${n}`);
}

export type AttrValue = number | string | number[] | string[] | { float: number } | { floats: number[] };

/** One node. Integers become INT/INTS attributes; use {float} / {floats} for FLOAT attributes. */
export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): NodeProto {
  const attribute = Object.entries(attrs).map(([k, v]) => {
    const A = onnx.AttributeProto.AttributeType;
    if (typeof v === 'number')
      return Number.isInteger(v) ? { name: k, type: A.INT, i: v } : { name: k, type: A.FLOAT, f: v };
    if (typeof v === 'string') return { name: k, type: A.STRING, s: new TextEncoder().encode(v) };
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x === 'string'))
        return { name: k, type: A.STRINGS, strings: (v as string[]).map((x) => new TextEncoder().encode(x)) };
      return { name: k, type: A.INTS, ints: v as number[] };
    }
    if ('float' in v) return { name: k, type: A.FLOAT, f: v.float };
    return { name: k, type: A.FLOATS, floats: v.floats };
  });
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, attribute, name: name ?? `${opType}_${outputs[0]}` });
}

/** Graph input/output description; string dims are symbolic (e.g. 'batch', 'sequence'). */
export function valueInfo(name: string, elem: ElemType, dims: ReadonlyArray<number | string>): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: DT[elem],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

export interface GraphSpec {
  name: string;
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  initializers: TensorProto[];
  docString?: string;
}

/** Serialise a model. Metadata lands in metadata_props (visible in Netron / onnx.load). */
export function serializeModel(g: GraphSpec, opts: { opset?: number; producer?: string; metadata?: Record<string, string> } = {}): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: g.name,
    node: g.nodes,
    input: g.inputs,
    output: g.outputs,
    initializer: g.initializers,
    docString: g.docString ?? '',
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: opts.producer ?? 'semroute-train',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opts.opset ?? 13 }],
    graph,
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Float32 -> IEEE 754 half bits, round to nearest even, with overflow to +-Inf. */
export function toFloat16Bits(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    let e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && (h & 1))) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
    out[i] = sign | h;
  }
  return out;
}

/** Half bits -> float32 (for training-side simulation of the shipped weights). */
export function fromFloat16Bits(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 0x1f ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}
