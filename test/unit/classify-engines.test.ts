// Provider selection of both engines: ort-web's WebGPU/WASM choice (pure function, a fake module,
// and the real module in Node, which has no WebGPU backend) and ort-node's CUDA -> CPU fallback on
// this machine, where the CUDA provider libraries are absent.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebEngine, detectWebGpu, selectWebProviders, type OrtWebModule } from '../../runtimes/worker/ort-web-engine.ts';
import { ProviderUnavailableError } from '../../src/classify/pack-error.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { writeTinyBertPack } from '../fixtures/tiny-bert/pack.ts';

let root: string;
let model: Uint8Array;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'engines-'));
  writeTinyBertPack(join(root, 'seq'), 'sequence-classification');
  model = new Uint8Array(readFileSync(join(root, 'seq', 'model.onnx')));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function recorder() {
  const lines: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
  const log = (obj: object, msg?: string) => lines.push({ obj: obj as Record<string, unknown>, msg });
  return { lines, logger: { debug: log, info: log, warn: log, error: log } };
}

describe('ort-web provider selection', () => {
  it('prefers WebGPU only where navigator.gpu exists', () => {
    expect(selectWebProviders(true)).toEqual(['webgpu', 'wasm']);
    expect(selectWebProviders(false)).toEqual(['wasm']);
    expect(selectWebProviders(true, 'wasm')).toEqual(['wasm']);
    expect(selectWebProviders(false, 'webgpu')).toEqual(['wasm']);
    expect(detectWebGpu({ gpu: {} })).toBe(true);
    expect(detectWebGpu({})).toBe(false);
    expect(detectWebGpu(undefined)).toBe(false);
  });

  function fakeOrt(webgpuWorks: boolean) {
    const calls: string[][] = [];
    const ort = {
      env: { wasm: { numThreads: 4, proxy: true } },
      Tensor: class {},
      InferenceSession: {
        async create(_m: Uint8Array, o?: Record<string, unknown>) {
          const eps = o?.executionProviders as string[];
          calls.push(eps);
          if (eps.includes('webgpu') && !webgpuWorks) throw new Error('no available backend found. ERR: [webgpu] backend not found.');
          return { inputNames: ['x'], outputNames: ['y'], run: async () => ({}), release: async () => {} };
        },
      },
    };
    return { ort, calls };
  }

  it('falls back to WASM when the WebGPU session fails, and stops trying WebGPU after that', async () => {
    const { ort, calls } = fakeOrt(false);
    const { lines, logger } = recorder();
    const engine = createWebEngine(ort as unknown as OrtWebModule, { hasWebGpu: true, logger });
    expect(ort.env.wasm).toEqual({ numThreads: 1, proxy: false });
    expect((await engine.createSession(model)).provider).toBe('wasm');
    expect((await engine.createSession(model)).provider).toBe('wasm');
    expect(calls).toEqual([['webgpu'], ['wasm'], ['wasm']]);
    expect(lines.find((l) => l.msg === 'inference provider selected')?.obj.provider).toBe('wasm');
  });

  it('reports WebGPU when a WebGPU session can be created', async () => {
    const { ort, calls } = fakeOrt(true);
    const engine = createWebEngine(ort as unknown as OrtWebModule, { hasWebGpu: true });
    expect((await engine.createSession(model)).provider).toBe('webgpu');
    expect(calls).toEqual([['webgpu']]);
  });

  it('with the real module in Node (no WebGPU backend) a claimed GPU still ends on WASM', async () => {
    const engine = createWebEngine(ortWeb as unknown as OrtWebModule, { hasWebGpu: true });
    const s = await engine.createSession(model);
    expect(s.provider).toBe('wasm');
    expect(s.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
  });

  it('a corrupt model is rejected with the engine error, not reported as a provider problem', async () => {
    const engine = createWebEngine(ortWeb as unknown as OrtWebModule, { hasWebGpu: false });
    await expect(engine.createSession(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/wasm: /);
  });
});

describe('ort-node provider selection', () => {
  it('auto tries CUDA, then CPU, and logs the provider that accepted the model', async () => {
    const { lines, logger } = recorder();
    const engine = createNodeEngine('auto', logger);
    const s = await engine.createSession(model);
    expect(s.provider).toBe('cpu');
    const selected = lines.find((l) => l.msg === 'inference provider selected')!;
    expect(selected.obj).toMatchObject({ engine: 'onnxruntime-node', provider: 'cpu', device: 'auto' });
    expect(String((selected.obj.fallback_from as string[])[0])).toMatch(/^cuda: /);
    // The second pack does not probe CUDA again (no second fallback line).
    await engine.createSession(model);
    expect(lines.filter((l) => l.msg === 'inference provider selected')).toHaveLength(1);
  });

  it('device cuda without the CUDA provider rejects instead of silently using the CPU, naming the provider, not the model', async () => {
    const err = await createNodeEngine('cuda').createSession(model).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(String((err as Error).message)).toMatch(/^CUDA execution provider unavailable: .*(Cuda|CUDA|shared library).*device: auto falls back/);
    // A model the CPU cannot read either is still the model's fault.
    await expect(createNodeEngine('cuda').createSession(new Uint8Array([8, 1, 2, 3]))).rejects.not.toBeInstanceOf(ProviderUnavailableError);
  });

  it('cpu rejects a corrupt model with the engine error', async () => {
    await expect(createNodeEngine('cpu').createSession(new Uint8Array([8, 1, 2, 3]))).rejects.toThrow(/cpu: /);
    expect(() => createNodeEngine('tpu' as never)).toThrow(/unknown device/);
  });

  it('the CUDA probe does not print the native error line (fresh process)', () => {
    const script = [
      "import { createNodeEngine } from './runtimes/node/ort-engine.ts';",
      "import { readFileSync } from 'node:fs';",
      `const s = await createNodeEngine('auto').createSession(new Uint8Array(readFileSync(${JSON.stringify(join(root, 'seq', 'model.onnx'))})));`,
      'console.log("provider=" + s.provider);',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toContain('provider=cpu');
    expect(r.stderr).not.toMatch(/\[E:onnxruntime/);
  });
});
