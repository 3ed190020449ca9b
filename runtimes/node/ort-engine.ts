// onnxruntime-node engine. `auto` tries CUDA, then CPU, one provider per attempt: ort-node rejects a
// session whose provider library is missing instead of falling back, so the fallback is ours.
import * as ort from 'onnxruntime-node';
import type { InferenceEngine, Provider } from '../../src/classify/types.ts';
import type { Logger } from '../../src/observability/types.ts';
import { adaptOrtSession, type OrtSessionLike, type OrtTensorCtor } from '../../src/classify/ort-adapter.ts';
import { errorText, ProviderUnavailableError } from '../../src/classify/pack-error.ts';

export type NodeDevice = 'auto' | 'cpu' | 'cuda';

export interface NodeEngineOptions {
  /** Threads inside one operator. 1 is fastest for these small models on a busy box (see bench/). */
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
}

export function createNodeEngine(device: NodeDevice = 'auto', logger?: Logger, opts: NodeEngineOptions = {}): InferenceEngine {
  if (device !== 'auto' && device !== 'cpu' && device !== 'cuda') throw new Error(`unknown device "${String(device)}"`);
  const candidates: Array<'cuda' | 'cpu'> = device === 'auto' ? ['cuda', 'cpu'] : [device];
  // Once CUDA has failed to load (missing EP libraries, no GPU), later packs skip it.
  let cudaUnavailable: string | undefined;
  let firstSession: Promise<unknown> | undefined;
  let reported: Provider | undefined;

  const sessionOptions = (ep: 'cuda' | 'cpu') => ({
    executionProviders: [ep],
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: opts.interOpNumThreads ?? 1,
    graphOptimizationLevel: 'all' as const,
  });

  return {
    name: 'onnxruntime-node',
    // ~20 us of fixed cost per session.run (N-API, tensor wrapping, output copies): fusing pays.
    fusion: true,
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
    let cudaErr: string | undefined;
    for (const ep of candidates) {
      if (ep === 'cuda' && device === 'auto' && cudaUnavailable) continue;
      const probing = ep === 'cuda' && device === 'auto';
      // The native library prints its own error line for a failed provider before throwing; the
      // failure is expected while probing, so silence it (ort-node reads the level at first init).
      const prevLevel = ort.env.logLevel;
      if (probing) ort.env.logLevel = 'fatal';
      try {
        const s = await ort.InferenceSession.create(model, sessionOptions(ep));
        // CUDA is ruled out for later packs only once CPU accepted this model (so the model is fine).
        if (cudaErr) {
          cudaUnavailable = cudaErr;
          logger?.info({ engine: 'onnxruntime-node', provider: 'cuda', reason: cudaErr }, 'CUDA provider unavailable, using CPU');
        }
        if (reported !== ep) {
          reported = ep;
          logger?.info({ engine: 'onnxruntime-node', provider: ep, device, fallback_from: failures }, 'inference provider selected');
        }
        return adaptOrtSession(s as unknown as OrtSessionLike, ort.Tensor as unknown as OrtTensorCtor, ep);
      } catch (err) {
        const msg = errorText(err);
        failures.push(`${ep}: ${msg}`);
        if (probing) cudaErr = msg;
      } finally {
        if (probing) ort.env.logLevel = prevLevel;
      }
    }
    if (device === 'cuda') await blameProvider(model, failures[0] ?? 'no execution provider');
    throw new Error(failures.length ? failures[failures.length - 1]! : 'no execution provider');
  }

  /** device: cuda failed. If the CPU provider takes the same model, CUDA is what is missing, not the
   *  model: say so (and how to fall back) instead of calling the pack corrupt. */
  async function blameProvider(model: Uint8Array, failure: string): Promise<void> {
    let cpuTakesIt = false;
    try {
      const s = await ort.InferenceSession.create(model, sessionOptions('cpu'));
      cpuTakesIt = true;
      await s.release().catch(() => {});
    } catch {
      // the model itself is at fault: the caller reports the engine error
    }
    if (cpuTakesIt) throw new ProviderUnavailableError('CUDA', `${failure.replace(/^cuda: /, '')} (device: cuda needs the CUDA libraries and a GPU; device: auto falls back to the CPU)`);
  }
}
