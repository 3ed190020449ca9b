// Worker-specific behaviour inside workerd: the semantic cache's index without run-time wasm
// compilation, the WebGPU -> WASM provider fallback on the real ORT bundle, and packs from assets.
import { env, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { workerdOrt } from '../../runtimes/worker/ort-wasm.ts';
import { createWebEngine } from '../../runtimes/worker/ort-web-engine.ts';
import { createAssetSource } from '../../runtimes/worker/asset-source.ts';
import { simdModule } from '../../src/cache/simd-kernel.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

const base = env as unknown as WorkerEnv;

describe('semantic cache in a Worker', () => {
  it('workerd refuses run-time wasm compilation, so the index takes its plain-JS filter', () => {
    // The SIMD kernel is built from bytes at run time; workerd forbids that (as Cloudflare does).
    expect(() => new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).toThrow(/disallowed by embedder/);
    expect(simdModule()).toBeNull();
  });

  it('serves a repeated question from the in-isolate cache (JSON and SSE)', async () => {
    const yaml = DEFAULT_CONFIG_YAML.replace('semantic_cache:\n  enabled: false', 'semantic_cache:\n  enabled: true');
    expect(yaml).not.toBe(DEFAULT_CONFIG_YAML);
    const cfgEnv: WorkerEnv = { ...base, SEMROUTE_CONFIG: yaml };
    const ask = async (stream: boolean) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request('https://semroute.test/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'MoM', stream, messages: [{ role: 'user', content: 'What is the capital city of Australia and why was it chosen?' }] }),
        }),
        cfgEnv,
        ctx,
      );
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      return { res, text };
    };
    const first = await ask(false);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('x-vsr-cache-hit')).toBeNull();
    const second = await ask(false);
    expect(second.res.headers.get('x-vsr-cache-hit')).toBe('true');
    expect(JSON.parse(second.text).choices[0].message.content).toBe(JSON.parse(first.text).choices[0].message.content);
    const streamed = await ask(true);
    expect(streamed.res.headers.get('x-vsr-cache-hit')).toBe('true');
    expect(streamed.text.trim().endsWith('data: [DONE]')).toBe(true);
  });
});

describe('provider selection on the real onnxruntime-web bundle', () => {
  it('navigator.gpu present but no WebGPU backend in the Worker build: WebGPU is tried, WASM serves, the reason is logged', async () => {
    const lines: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
    const log = (obj: object, msg?: string) => lines.push({ obj: obj as Record<string, unknown>, msg });
    const engine = createWebEngine(workerdOrt(), { hasWebGpu: true, logger: { debug: log, info: log, warn: log, error: log } });
    const model = await createAssetSource(base.ASSETS!).read('jailbreak/model.onnx');
    const session = await engine.createSession(model);
    expect(session.provider).toBe('wasm');
    const fallback = lines.find((l) => l.msg === 'WebGPU unavailable, using WASM');
    expect(fallback?.obj.reason).toEqual(expect.any(String));
    console.log(`[webgpu in workerd] ${String(fallback?.obj.reason)}`);
  });

  it('asset source: a missing pack file rejects, paths cannot leave the packs root, training code is not uploaded', async () => {
    const src = createAssetSource(base.ASSETS!);
    await expect(src.read('nope/manifest.json')).rejects.toThrow(/HTTP 404/);
    await expect(src.read('../package.json')).rejects.toThrow(/escapes/);
    await expect(src.read('train/index.ts')).rejects.toThrow(/HTTP 404/);
    expect((await src.read('domain/labels.json')).byteLength).toBeGreaterThan(10);
  });
});
