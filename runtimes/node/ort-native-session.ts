// A session on onnxruntime-node's native binding, run synchronously. The public
// InferenceSession.run defers every call to setImmediate and re-validates feeds and outputs in
// onnxruntime-common; for these small models that was 6-19 us of a 35-140 us run (bench/,
// p50 per pack), about a tenth of the classifiers' time on a request. The native call is the
// same one the public API makes (same options, same thread, same outputs), only without the
// event-loop hop. Depends on the binding's shape in the pinned onnxruntime-node (1.30.0): when
// that is not found, `createNativeSession` answers undefined and the caller uses the public API.
import { createRequire } from 'node:module';
import type { OrtSessionLike, OrtTensorLike } from '../../src/classify/ort-adapter.ts';

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  readonly inputMetadata: ReadonlyArray<{ name: string }>;
  readonly outputMetadata: ReadonlyArray<{ name: string }>;
  run(feeds: Record<string, OrtTensorLike>, fetches: Record<string, null>, options: object): Record<string, OrtTensorLike>;
  dispose(): void;
}

interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
}

let loaded: NativeBinding | null | undefined;

function nativeBinding(): NativeBinding | null {
  if (loaded !== undefined) return loaded;
  try {
    const require = createRequire(import.meta.url);
    const b = require('onnxruntime-node/dist/binding') as Partial<NativeBinding>;
    const ok = typeof b.initOrt === 'function' && typeof b.binding?.InferenceSession === 'function';
    const proto = ok ? b.binding!.InferenceSession.prototype : undefined;
    loaded = proto && typeof proto.loadModel === 'function' && typeof proto.run === 'function' ? (b as NativeBinding) : null;
  } catch {
    loaded = null;
  }
  return loaded;
}

/**
 * The model loaded on the native binding with `options` (as InferenceSession.create would pass
 * them), or undefined when the binding is not usable. Throws what loadModel throws (a provider
 * that is not available, a corrupt model), like InferenceSession.create.
 */
export function createNativeSession(model: Uint8Array, options: object): OrtSessionLike | undefined {
  const b = nativeBinding();
  if (!b) return undefined;
  b.initOrt();
  const s = new b.binding.InferenceSession();
  s.loadModel(model.buffer, model.byteOffset, model.byteLength, options);
  const inputNames = s.inputMetadata.map((m) => m.name);
  const outputNames = s.outputMetadata.map((m) => m.name);
  const fetches: Record<string, null> = Object.fromEntries(outputNames.map((n) => [n, null]));
  const none = {};
  return {
    inputNames,
    outputNames,
    async run(feeds) {
      // The public API checks this before calling the binding; keep its message.
      for (const name of inputNames) if (feeds[name] === undefined) throw new Error(`input '${name}' is missing in 'feeds'.`);
      return s.run(feeds, fetches, none);
    },
    async release() {
      s.dispose();
    },
  };
}
