// Adapts an onnxruntime session (node or web: both follow onnxruntime-common's shapes) to the core's
// InferenceSession. Typed structurally so the core imports no onnxruntime package; each runtime
// passes its own Tensor class in.
import type { InferenceSession, Provider, Tensor, TensorData, TensorType } from './types.ts';

/** The parts of an onnxruntime-common Tensor we use. */
export interface OrtTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

export type OrtTensorCtor = new (type: TensorType, data: TensorData, dims: readonly number[]) => OrtTensorLike;

/** The parts of an onnxruntime-common InferenceSession we use. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

function toTensor(name: string, t: OrtTensorLike): Tensor {
  const { type, data } = t;
  if (type === 'float32' && data instanceof Float32Array) return { type, data, dims: [...t.dims] };
  if (type === 'int64' && data instanceof BigInt64Array) return { type, data, dims: [...t.dims] };
  if (type === 'int32' && data instanceof Int32Array) return { type, data, dims: [...t.dims] };
  if (type === 'float64' && data instanceof Float64Array) {
    return { type: 'float32', data: Float32Array.from(data), dims: [...t.dims] };
  }
  throw new Error(`output "${name}" has unsupported type ${type}`);
}

export function adaptOrtSession(
  session: OrtSessionLike,
  TensorCtor: OrtTensorCtor,
  provider: Provider,
): InferenceSession & { provider: Provider } {
  return {
    provider,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const ortFeeds: Record<string, OrtTensorLike> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new TensorCtor(t.type, t.data, t.dims);
      const out = await session.run(ortFeeds);
      const result: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(out)) result[name] = toTensor(name, t);
      return result;
    },
    release: () => session.release(),
  };
}
