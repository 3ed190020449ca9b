// The semantic cache's memory is bounded in bytes, not only in entries (issue #3): a streamed answer
// is kept as its recorded events (for a verbatim replay), and one 2,000-token answer held ~450 KB of
// heap (bench/cache-memory.ts: 700 of them 320 MB), so the default max_entries 1000 of long answers
// (8,000 tokens: ~1.8 GB) outgrew the pod's 1 GiB limit. semantic_cache.max_memory_mb evicts (fifo | lru | lfu, as max_entries does) once the
// entries' estimated size passes it. Real gateway, real embedding pack, the openai SDK as client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { startRecordingUpstream, type RecordingUpstream, type Script } from './helpers/recording-upstream.ts';
import { until } from './helpers/until.ts';

/** A streamed answer of `tokens` events (each its own chunk, as engines stream). */
const longAnswer = (tokens: number): Script => (body) => {
  const c = (choices: unknown[]) => ({ id: 'chatcmpl-long', object: 'chat.completion.chunk', created: 1, model: body.model, choices });
  return { sse: [
    c([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ...Array.from({ length: tokens }, (_, i) => c([{ index: 0, delta: { content: ` w${i % 97}` }, finish_reason: null }])),
    c([{ index: 0, delta: {}, finish_reason: 'stop' }]),
  ] };
};

let up: RecordingUpstream;
let served: Served;
let deps: AppDeps & { close(): Promise<void> };
let client: OpenAI;

beforeAll(async () => {
  up = await startRecordingUpstream(longAnswer(2000));
  const config = testConfig({ semantic_cache: { enabled: true, max_memory_mb: 2 } }, [{ name: 'production-stack', address: '127.0.0.1', port: up.port }]);
  deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  served = await serveFetch(createApp(deps).fetch, { port: 0 });
  client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 });
}, 120_000);
afterAll(async () => {
  await served?.close();
  await deps?.close();
  await up?.close();
});

async function ask(n: number): Promise<{ hit: string | null; text: string }> {
  const { data, response } = await client.chat.completions.create({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: `Tell me fact number ${n} about the deep ocean.` }] }).withResponse();
  let text = '';
  for await (const c of data) text += c.choices[0]?.delta?.content ?? '';
  return { hit: response.headers.get('x-vsr-cache-hit'), text };
}

describe.skipIf(!packsAvailable())('semantic_cache.max_memory_mb', () => {
  it('long streamed answers: the oldest are evicted once their size passes the bound; the newest are hits, replayed whole', async () => {
    const evictions = () => Number(/llm_cache_evictions_total\{backend="memory"\} (\d+)/.exec(deps.metrics.render())?.[1] ?? 0);
    for (let n = 1; n <= 12; n++) {
      const before = up.bodies.length;
      const live = await ask(n);
      expect(live.hit).toBeNull();
      expect(up.bodies.length).toBe(before + 1);
      // The answer is stored after its end: wait until it is in (or made room for itself).
      await until(() => deps.cache!.size() >= Math.min(n, 3) || evictions() > 0, 5000);
    }
    await new Promise((r) => setTimeout(r, 100));
    // Estimated at ~0.7 MB each: 2 MiB holds 2 to 4 of the 12, not all of them (max_entries is 1000).
    expect(deps.cache!.size()).toBeGreaterThan(1);
    expect(deps.cache!.size()).toBeLessThan(5);
    expect(evictions()).toBe(12 - deps.cache!.size());
    const newest = await ask(12);
    expect(newest.hit).toBe('true');
    expect(newest.text.split(' w').length).toBe(2001);
    expect((await ask(1)).hit, 'the oldest was evicted').toBeNull();
  });
});
