// The float16 guard of the Worker's engine (runtimes/worker/ort-web-engine.ts), inside workerd:
// the ONNX float16 scan on hand-built protobuf, and the provider choice with a fake ORT module and a
// fake adapter. The real adapter case (SwiftShader, no shader-f16) is in
// test/integration/webgpu-chromium.test.ts.
import { describe, expect, it } from 'vitest';
import { createWebEngine, webGpuVeto, type GpuLike, type OrtWebModule } from '../../runtimes/worker/ort-web-engine.ts';
import { usesFloat16 } from '../../runtimes/worker/onnx-float16.ts';

// Protobuf by hand: field numbers from onnx.proto (ModelProto.graph 7, GraphProto.node 1 /
// initializer 5 / value_info 13, NodeProto.attribute 5, AttributeProto name 1 / i 3 / g 6,
// TensorProto.data_type 2 / raw_data 9, ValueInfoProto.type 2, TypeProto.tensor_type 1 .elem_type 1).
const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n >= 128; n = Math.floor(n / 128)) out.push((n % 128) | 128);
  out.push(n);
  return out;
};
const bytes = (field: number, b: number[]) => [...varint(field * 8 + 2), ...varint(b.length), ...b];
const int = (field: number, v: number) => [...varint(field * 8), ...varint(v)];
const str = (field: number, s: string) => bytes(field, [...new TextEncoder().encode(s)]);
const FLOAT = 1;
const FLOAT16 = 10;
const tensor = (dtype: number) => [...str(1, 'w'), ...int(2, dtype), ...bytes(9, new Array(64).fill(7))];
const model = (...graph: number[][]) => new Uint8Array([...int(1, 8), ...bytes(7, graph.flat())]);
const initializer = (dtype: number) => bytes(5, tensor(dtype));
const castTo = (to: number) => bytes(1, [...str(4, 'Cast'), ...bytes(5, [...str(1, 'to'), ...int(3, to), ...int(20, 2)])]);
const valueInfo = (elem: number) => bytes(13, [...str(1, 'h'), ...bytes(2, bytes(1, int(1, elem)))]);
const ifWithBranch = (graph: number[]) => bytes(1, [...str(4, 'If'), ...bytes(5, [...str(1, 'then_branch'), ...bytes(6, graph)])]);

describe('usesFloat16 (ONNX protobuf scan)', () => {
  it.each([
    ['float32 initializer', model(initializer(FLOAT)), false],
    ['float16 initializer', model(initializer(FLOAT16)), true],
    ['float16 initializer after float32 ones', model(initializer(FLOAT), initializer(FLOAT16)), true],
    ['Cast to float32', model(castTo(FLOAT)), false],
    ['Cast to float16', model(castTo(FLOAT16)), true],
    ['float16 value_info', model(valueInfo(FLOAT16)), true],
    ['float32 value_info', model(valueInfo(FLOAT)), false],
    ['float16 initializer inside an If branch', model(ifWithBranch(initializer(FLOAT16))), true],
  ])('%s -> %s', (_name, m, expected) => {
    expect(usesFloat16(m)).toBe(expected);
  });

  it('a truncated message throws (the engine then leaves the model to ORT)', () => {
    const m = model(initializer(FLOAT16));
    expect(() => usesFloat16(m.subarray(0, m.length - 3))).toThrow(/truncated/);
  });
});

describe('engine: float16 models and shader-f16', () => {
  const f16 = model(initializer(FLOAT16));
  const f32 = model(initializer(FLOAT));

  function fake(features: string[] | null) {
    const calls: string[][] = [];
    const adapter = { features: new Set(features ?? []) };
    const requests: unknown[] = [];
    const gpu: GpuLike = { requestAdapter: async (o) => { requests.push(o); return features ? adapter : null; } };
    const ort = {
      env: { wasm: {}, webgpu: { adapter: undefined as unknown, powerPreference: 'high-performance' as const } },
      Tensor: class {},
      InferenceSession: {
        async create(_m: Uint8Array, o?: Record<string, unknown>) {
          calls.push(o?.executionProviders as string[]);
          return { inputNames: ['x'], outputNames: ['y'], run: async () => ({}), release: async () => {} };
        },
      },
    };
    return { ort, calls, gpu, adapter, requests };
  }

  it('no shader-f16: a float16 model goes to WASM with the reason, a float32 model stays on WebGPU, one adapter request handed to ORT', async () => {
    const { ort, calls, gpu, adapter, requests } = fake(['timestamp-query']);
    const lines: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
    const log = (obj: object, msg?: string) => lines.push({ obj: obj as Record<string, unknown>, msg });
    const engine = createWebEngine(ort as unknown as OrtWebModule, { hasWebGpu: true, gpu, logger: { debug: log, info: log, warn: log, error: log } });
    const a = await engine.createSession(f16);
    expect(a.provider).toBe('wasm');
    expect((a as { providerReason?: string }).providerReason).toMatch(/lacks shader-f16/);
    expect(lines.find((l) => l.msg === 'WebGPU skipped for this model, using WASM')?.obj.reason).toMatch(/float16/);
    const b = await engine.createSession(f32);
    expect(b.provider).toBe('webgpu');
    expect((b as { providerReason?: string }).providerReason).toBeUndefined();
    expect(calls).toEqual([['wasm'], ['webgpu']]);
    expect(ort.env.webgpu.adapter).toBe(adapter);
    expect(requests).toEqual([{ powerPreference: 'high-performance', forceFallbackAdapter: undefined }]);
  });

  it('with shader-f16 (or the guard off) a float16 model runs on WebGPU', async () => {
    const withF16 = fake(['shader-f16']);
    expect((await createWebEngine(withF16.ort as unknown as OrtWebModule, { hasWebGpu: true, gpu: withF16.gpu }).createSession(f16)).provider).toBe('webgpu');
    const off = fake([]);
    expect((await createWebEngine(off.ort as unknown as OrtWebModule, { hasWebGpu: true, gpu: off.gpu, float16Guard: false }).createSession(f16)).provider).toBe('webgpu');
    expect(off.requests).toEqual([]);
  });

  it('webGpuVeto: only float16 on a known adapter without shader-f16', () => {
    expect(webGpuVeto(new Set([]), true)).toMatch(/shader-f16/);
    expect(webGpuVeto(new Set(['shader-f16']), true)).toBeUndefined();
    expect(webGpuVeto(new Set([]), false)).toBeUndefined();
    // Unknown adapter (no navigator.gpu to ask): ORT's own adapter request decides, and fails alone.
    expect(webGpuVeto(undefined, true)).toBeUndefined();
  });
});
