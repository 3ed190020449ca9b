// src/observability must run in a Worker: bundle it for the browser platform (a Node built-in import
// fails the build) and run the bundle in a bare V8 context with no process, require or Buffer.
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ENTRY = `
import { createMetrics } from './src/observability/metrics.ts';
import { recordUsage } from './src/observability/usage.ts';
import { withSpan, injectTraceHeaders, SPAN } from './src/observability/tracing.ts';
import { buildModelsInfo } from './src/observability/model-info.ts';
export async function run() {
  const m = createMetrics({ config: { default_model: 'qwen3', model_config: { qwen3: {} } } });
  recordUsage(m, 'qwen3', { prompt_tokens: 3, completion_tokens: 4 }, { prompt_per_1m: 1, completion_per_1m: 2 }, { latencyMs: 40 });
  const headers = await withSpan(SPAN.UPSTREAM, {}, () => injectTraceHeaders({}));
  const info = buildModelsInfo({ sequence: () => undefined, pii: () => undefined, embedder: () => undefined, info: () => [] }, { name: 'worker' });
  return { text: m.render(), headers, info };
}
`;

describe('observability core outside Node', () => {
  it('bundles for the browser platform and runs without Node globals', async () => {
    const out = await build({
      stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'entry.ts' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'obs',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    const sandbox: Record<string, unknown> = {};
    runInNewContext(`${code}\nglobalThis.obs = obs;`, sandbox);
    expect(runInNewContext('typeof process + typeof require + typeof Buffer', sandbox)).toBe('undefinedundefinedundefined');
    const result = await (sandbox.obs as { run(): Promise<{ text: string; headers: object; info: { system: Record<string, unknown> } }> }).run();
    expect(result.text).toContain('llm_model_prompt_tokens_total{model="qwen3"} 3');
    expect(result.text).toContain('llm_model_cost_total{model="qwen3",currency="USD"} 0.000011');
    expect(result.headers).toEqual({}); // no SDK registered: spans are no-ops, nothing to propagate
    expect(result.info.system.runtime).toBe('worker');
    expect(result.info.system.memory_usage).toBeUndefined();
  });
});
