// An engine that runs a pack on a fallback provider says why (the Worker: WebGPU -> WASM); the
// reason travels through the pack loader into PackInfo and shows on GET /info/models as
// provider_reason, only for the packs that have one. A fake engine wraps onnxruntime-node so the
// test needs no browser or GPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceEngine } from '../../src/classify/types.ts';
import { createClassifiers, loadPacks } from '../../src/classify/registry.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { createFileSource, defaultModelsDir } from '../../runtimes/node/file-source.ts';
import { startGateway, type Gateway } from './gateway-harness.ts';

const REASON = 'the model has float16 tensors and the WebGPU adapter lacks shader-f16';

/** Reports every session after the first as a WASM fallback with a reason, like ort-web-engine.ts. */
function fallbackEngine(): InferenceEngine {
  const real = createNodeEngine('cpu');
  let sessions = 0;
  return {
    name: 'fake-web',
    async createSession(model) {
      const s = await real.createSession(model);
      if (sessions++ === 0) return s;
      return Object.assign(s, { provider: 'wasm' as const, providerReason: REASON });
    },
  };
}

describe('GET /info/models provider_reason', () => {
  let gw: Gateway;
  beforeAll(async () => {
    const source = createFileSource(defaultModelsDir());
    const engine = fallbackEngine();
    // One at a time, so which pack gets the first (reasonless) session is fixed.
    const packs = [...(await loadPacks(source, engine, { intent: 'intent' })), ...(await loadPacks(source, engine, { jailbreak: 'jailbreak' }))];
    expect(packs.map((p) => p.info.providerReason)).toEqual([undefined, REASON]);
    gw = await startGateway({ classifiers: createClassifiers(packs) });
  });
  afterAll(async () => gw?.close());

  it('shows the reason on the fallback pack only', async () => {
    const res = await fetch(`${gw.url}/info/models`);
    expect(res.status).toBe(200);
    const models = ((await res.json()) as { models: Array<Record<string, unknown>> }).models;
    const byName = Object.fromEntries(models.map((m) => [m.name, m]));
    expect(byName.jailbreak).toMatchObject({ provider: 'wasm', provider_reason: REASON, engine: 'fake-web' });
    expect(byName.intent).toMatchObject({ provider: 'cpu' });
    expect(byName.intent).not.toHaveProperty('provider_reason');
  });
});
