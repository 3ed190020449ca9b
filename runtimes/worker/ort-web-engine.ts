// onnxruntime-web engine for the Worker (and for Node tests). The caller passes the ort module in:
// inside workerd it must be the specially imported 'onnxruntime-web/wasm' bundle with its wasm
// instantiation shim (see ../shared/reference/feasibility.md), in Node plain 'onnxruntime-web'.
// WebGPU is tried when navigator.gpu exists and the module can build a WebGPU session; WASM otherwise.
// A model with float16 tensors goes to WASM on an adapter without `shader-f16`: onnxruntime-web
// 1.30.0's WebGPU EP reads such tensors as zeros there, silently (a Gather+Cast of a float16 table
// returns 0.0; test/integration/webgpu-chromium.test.ts shows it on SwiftShader).
import type { InferenceEngine, Provider } from '../../src/classify/types.ts';
import type { Logger } from '../../src/observability/types.ts';
import { adaptOrtSession, type OrtSessionLike, type OrtTensorCtor } from '../../src/classify/ort-adapter.ts';
import { errorText } from '../../src/classify/pack-error.ts';
import { usesFloat16 } from './onnx-float16.ts';

export type WebProvider = Extract<Provider, 'webgpu' | 'wasm'>;
export type WebPreference = 'auto' | 'wasm' | 'webgpu';

/** The parts of the onnxruntime-web module this engine uses. */
export interface OrtWebModule {
  env: {
    wasm: { numThreads?: number; proxy?: boolean };
    logLevel?: string;
    webgpu?: { adapter?: unknown; powerPreference?: 'low-power' | 'high-performance'; forceFallbackAdapter?: boolean };
  };
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<unknown> };
  Tensor: unknown;
}

export interface WebEngineOptions {
  prefer?: WebPreference;
  logger?: Logger;
  /** Whether WebGPU is present; defaults to detectWebGpu(globalThis.navigator). */
  hasWebGpu?: boolean;
  /** Where the adapter is requested (default navigator.gpu); null: features cannot be checked. */
  gpu?: GpuLike | null;
  /** Send float16 models to WASM on adapters without shader-f16 (default true; off only to show why). */
  float16Guard?: boolean;
}

/** The parts of navigator.gpu / GPUAdapter used to check features. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}
export interface GpuAdapterLike {
  features: { has(feature: string): boolean };
}

/** A session as createSession returns it, with why it is not on the preferred provider (if so). */
export type WebSession = Awaited<ReturnType<InferenceEngine['createSession']>> & { providerReason?: string };

/**
 * Why a model must not run on this adapter's WebGPU EP, or undefined when it may. Pure: the
 * adapter's features (undefined = unknown) and whether the model computes with float16.
 */
export function webGpuVeto(features: GpuAdapterLike['features'] | undefined, float16: boolean): string | undefined {
  if (!float16 || !features || features.has('shader-f16')) return undefined;
  return 'model has float16 tensors and the WebGPU adapter lacks shader-f16 (onnxruntime-web 1.30.0 reads them as zeros there)';
}

/** True when the runtime exposes a WebGPU entry point (navigator.gpu). */
export function detectWebGpu(nav: unknown = (globalThis as { navigator?: unknown }).navigator): boolean {
  return !!nav && typeof nav === 'object' && !!(nav as { gpu?: unknown }).gpu;
}

/**
 * The providers to try, in order. `auto` tries WebGPU only where it exists; an explicit `webgpu`
 * still falls back to WASM, because a Worker without a GPU must keep answering.
 */
export function selectWebProviders(hasWebGpu: boolean, prefer: WebPreference = 'auto'): WebProvider[] {
  if (prefer === 'wasm') return ['wasm'];
  return hasWebGpu ? ['webgpu', 'wasm'] : ['wasm'];
}

export function createWebEngine(ort: OrtWebModule, opts: WebEngineOptions = {}): InferenceEngine {
  // One thread: workerd has no Worker for pthreads; no proxy worker either.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const providers = selectWebProviders(opts.hasWebGpu ?? detectWebGpu(), opts.prefer ?? 'auto');
  let webgpuFailed: string | undefined;
  let firstSession: Promise<unknown> | undefined;
  let reported: WebProvider | undefined;
  let adapter: Promise<GpuAdapterLike | undefined> | undefined;
  const gpu = opts.gpu === undefined ? ((globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu ?? null) : opts.gpu;

  // The adapter whose features are checked is handed to ORT (env.webgpu.adapter), so the check and
  // the sessions are about the same device. Requested once, with ORT's own options.
  function getAdapter(): Promise<GpuAdapterLike | undefined> {
    adapter ??= (async () => {
      const w = ort.env.webgpu;
      if (w?.adapter) return w.adapter as GpuAdapterLike;
      if (!gpu) return undefined;
      try {
        const a = await gpu.requestAdapter({ powerPreference: w?.powerPreference, forceFallbackAdapter: w?.forceFallbackAdapter });
        if (a && w) w.adapter = a;
        return a ?? undefined;
      } catch {
        // ORT's own request reports the error when it builds the session.
        return undefined;
      }
    })();
    return adapter;
  }

  function float16(model: Uint8Array): boolean {
    try {
      return usesFloat16(model);
    } catch {
      // Not protobuf: the session build fails on it with the engine's own error.
      return false;
    }
  }

  return {
    name: 'onnxruntime-web',
    async createSession(model: Uint8Array): Promise<WebSession> {
      // Packs load in parallel: let the first one settle the provider question before the rest probe.
      if (firstSession) await firstSession.catch(() => {});
      const created = create(model);
      firstSession ??= created;
      return created;
    },
  };

  async function create(model: Uint8Array): Promise<WebSession> {
    const failures: string[] = [];
    let webgpuErr: string | undefined;
    let veto: string | undefined;
    for (const ep of providers) {
      if (ep === 'webgpu' && webgpuFailed) continue;
      if (ep === 'webgpu' && opts.float16Guard !== false && float16(model)) {
        // Per model: float32 packs keep WebGPU on the same adapter.
        veto = webGpuVeto((await getAdapter())?.features, true);
        if (veto) {
          failures.push(`webgpu: ${veto}`);
          opts.logger?.info({ engine: 'onnxruntime-web', provider: 'wasm', reason: veto }, 'WebGPU skipped for this model, using WASM');
          continue;
        }
      }
      try {
        const s = (await ort.InferenceSession.create(model, {
          executionProviders: [ep],
          graphOptimizationLevel: 'all',
        })) as OrtSessionLike;
        // WebGPU is ruled out for later packs only once WASM accepted this model (so the model is fine).
        if (webgpuErr) {
          webgpuFailed = webgpuErr;
          opts.logger?.info({ engine: 'onnxruntime-web', provider: 'webgpu', reason: webgpuErr }, 'WebGPU unavailable, using WASM');
        }
        if (reported !== ep) {
          reported = ep;
          opts.logger?.info({ engine: 'onnxruntime-web', provider: ep, fallback_from: failures }, 'inference provider selected');
        }
        const session: WebSession = adaptOrtSession(s, ort.Tensor as OrtTensorCtor, ep);
        const reason = ep === 'wasm' && providers[0] === 'webgpu' ? (veto ?? webgpuFailed ?? webgpuErr) : undefined;
        if (reason) session.providerReason = reason;
        return session;
      } catch (err) {
        const msg = errorText(err);
        failures.push(`${ep}: ${msg}`);
        if (ep === 'webgpu') webgpuErr = msg;
      }
    }
    throw new Error(failures.length ? failures[failures.length - 1]! : 'no execution provider');
  }
}
