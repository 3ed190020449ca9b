// onnxruntime-web engine for the Worker (and for Node tests). The caller passes the ort module in:
// inside workerd it must be the specially imported 'onnxruntime-web/wasm' bundle with its wasm
// instantiation shim (see ../shared/reference/feasibility.md), in Node plain 'onnxruntime-web'.
// WebGPU is tried when navigator.gpu exists and the module can build a WebGPU session; WASM otherwise.
import type { InferenceEngine, Provider } from '../../src/classify/types.ts';
import type { Logger } from '../../src/observability/types.ts';
import { adaptOrtSession, type OrtSessionLike, type OrtTensorCtor } from '../../src/classify/ort-adapter.ts';
import { errorText } from '../../src/classify/pack-error.ts';

export type WebProvider = Extract<Provider, 'webgpu' | 'wasm'>;
export type WebPreference = 'auto' | 'wasm' | 'webgpu';

/** The parts of the onnxruntime-web module this engine uses. */
export interface OrtWebModule {
  env: { wasm: { numThreads?: number; proxy?: boolean }; logLevel?: string };
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<unknown> };
  Tensor: unknown;
}

export interface WebEngineOptions {
  prefer?: WebPreference;
  logger?: Logger;
  /** Whether WebGPU is present; defaults to detectWebGpu(globalThis.navigator). */
  hasWebGpu?: boolean;
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

  return {
    name: 'onnxruntime-web',
    async createSession(model: Uint8Array) {
      // Packs load in parallel: let the first one settle the provider question before the rest probe.
      if (firstSession) await firstSession.catch(() => {});
      const created = create(model);
      firstSession ??= created;
      return created;
    },
  };

  async function create(model: Uint8Array) {
    const failures: string[] = [];
    let webgpuErr: string | undefined;
    for (const ep of providers) {
      if (ep === 'webgpu' && webgpuFailed) continue;
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
        return adaptOrtSession(s, ort.Tensor as OrtTensorCtor, ep);
      } catch (err) {
        const msg = errorText(err);
        failures.push(`${ep}: ${msg}`);
        if (ep === 'webgpu') webgpuErr = msg;
      }
    }
    throw new Error(failures.length ? failures[failures.length - 1]! : 'no execution provider');
  }
}
