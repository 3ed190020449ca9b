// The llm_cache_entries gauge across config reloads, on a real process (SIGHUP): the cache sets it on
// its own stores, so a reload that replaced the cache (a changed semantic_cache) or turned it off
// left the old cache's count on /metrics until the next store, or for good: a dashboard showed
// entries no cache held. After a reload the gauge is the serving cache's size, or absent without one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';
import { REPO } from './gateway-harness.ts';

const fx = processFixture();

describe('config reload: llm_cache_entries describes the serving cache', () => {
  it('drops to the new cache size when a reload replaces the cache, and goes when the cache is turned off', async () => {
    const { file, base } = fx.configDir('semroute-cache-gauge-');
    // The fixture's empty packs folder, replaced by the real one for the embedding pack alone.
    const config = (cache: string) => `${base.replace(/packs: \{[^\n]*\n/, '')}packs: { dir: ${join(REPO, 'models')}, embedding: embedding }\ndevice: cpu\nsemantic_cache: ${cache}\n`;
    writeFileSync(file, config('{ enabled: true, similarity_threshold: 0.9 }'));
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
    const ask = async (q: string) => {
      const r = await fetch(`${gw.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: q }] }) });
      await r.text();
      expect(r.status).toBe(200);
      return r.headers.get('x-vsr-cache-hit');
    };
    const entries = async () => (await (await fetch(`${gw.base}/metrics`)).text()).split('\n').filter((l) => l.startsWith('llm_cache_entries{'));
    let reloads = 0;
    const reload = async (text: string) => {
      writeFileSync(file, text);
      gw.proc.kill('SIGHUP');
      reloads++;
      const deadline = Date.now() + 30_000;
      while ((gw.out().match(/"config reloaded"/g) ?? []).length < reloads && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };

    for (const q of ['What is the tallest mountain on Earth?', 'How do magnets work?', 'Give me a recipe for pancakes']) expect(await ask(q)).toBeNull();
    expect(await entries()).toEqual(['llm_cache_entries{backend="memory"} 3']);

    await reload(config('{ enabled: true, similarity_threshold: 0.95 }'));
    expect(gw.out()).toMatch(/"reused":\["classifiers","upstream"\]/);
    expect(await entries()).toEqual(['llm_cache_entries{backend="memory"} 0']);
    expect(await ask('How do magnets work?')).toBeNull(); // the new cache is empty: a miss, then stored
    expect(await entries()).toEqual(['llm_cache_entries{backend="memory"} 1']);

    await reload(config('{ enabled: false }'));
    expect(await entries()).toEqual([]);
  }, 60_000);
});
