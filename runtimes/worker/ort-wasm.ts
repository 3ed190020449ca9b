// onnxruntime-web inside workerd. Workers refuse to compile wasm bytes at run time ("Wasm code
// generation disallowed by embedder") and have no script URL to fetch the wasm from, so the wasm is
// imported as a precompiled WebAssembly.Module (wrangler's CompiledWasm rule) and
// WebAssembly.instantiate is shimmed to hand that module to the Emscripten glue.
// Recipe and the errors each step avoids: ../shared/reference/feasibility.md, section 4.
// The wasm-only build: the WebGPU (jsep) build doubles the upload (28 MB wasm) for an API that
// Workers do not expose (navigator.gpu is undefined in workerd), see BENCHMARKS.md "Worker".
import * as ort from 'onnxruntime-web/wasm';
import ortWasmModule from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import type { OrtWebModule } from './ort-web-engine.ts';

let shimmed = false;

/** The ort module, ready for createWebEngine. Idempotent: the shim is installed once per isolate. */
export function workerdOrt(): OrtWebModule {
  if (!shimmed) {
    shimmed = true;
    const original = WebAssembly.instantiate.bind(WebAssembly) as (src: unknown, imports?: unknown) => Promise<unknown>;
    // Only ORT's own call passes bytes (the placeholder below); a real Module goes through untouched.
    (WebAssembly as unknown as { instantiate: unknown }).instantiate = async (src: unknown, imports?: unknown) =>
      src instanceof WebAssembly.Module
        ? original(src, imports)
        : { instance: await original(ortWasmModule, imports), module: ortWasmModule };
    // A placeholder that is never compiled: its presence makes ORT use the embedded glue instead of
    // looking for a script URL (import.meta.url is undefined in wrangler's bundle).
    (ort.env.wasm as { wasmBinary?: Uint8Array }).wasmBinary = new Uint8Array(8);
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
  }
  return ort as unknown as OrtWebModule;
}
