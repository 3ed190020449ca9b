// The semantic cache's memory is bounded in bytes, not only in entries (issue #3): a streamed answer
// is kept as its recorded events (for a verbatim replay), and one 2,000-token answer held ~450 KB of
// heap (bench/cache-memory.ts: 700 of them 320 MB), so the default max_entries 1000 of long answers
// (8,000 tokens: ~1.8 GB) outgrew the pod's 1 GiB limit. semantic_cache.max_memory_mb evicts (fifo | lru | lfu, as max_entries does) once the
// entries' estimated size passes it. Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream, type Script } from './helpers/recording-upstream.ts';
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

const gw = useCacheGateway(() => startRecordingUpstream(longAnswer(2000)), { max_memory_mb: 2 });

async function ask(n: number): Promise<{ hit: string | null; text: string }> {
  const { data, response } = await gw.client.chat.completions.create({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: `Tell me fact number ${n} about the deep ocean.` }] }).withResponse();
  let text = '';
  for await (const c of data) text += c.choices[0]?.delta?.content ?? '';
  return { hit: response.headers.get('x-vsr-cache-hit'), text };
}

describe.skipIf(!packsAvailable())('semantic_cache.max_memory_mb', () => {
  it('long streamed answers: the oldest are evicted once their size passes the bound; the newest are hits, replayed whole', async () => {
    const evictions = () => Number(/llm_cache_evictions_total\{backend="memory"\} (\d+)/.exec(gw.deps.metrics.render())?.[1] ?? 0);
    for (let n = 1; n <= 12; n++) {
      const before = gw.up.bodies.length;
      const live = await ask(n);
      expect(live.hit).toBeNull();
      expect(gw.up.bodies.length).toBe(before + 1);
      // The answer is stored after its end: wait until it is in (or made room for itself).
      await until(() => gw.deps.cache!.size() >= Math.min(n, 3) || evictions() > 0, 5000);
    }
    await new Promise((r) => setTimeout(r, 100));
    // Estimated at ~0.7 MB each: 2 MiB holds 2 to 4 of the 12, not all of them (max_entries is 1000).
    expect(gw.deps.cache!.size()).toBeGreaterThan(1);
    expect(gw.deps.cache!.size()).toBeLessThan(5);
    expect(evictions()).toBe(12 - gw.deps.cache!.size());
    const newest = await ask(12);
    expect(newest.hit).toBe('true');
    expect(newest.text.split(' w').length).toBe(2001);
    expect((await ask(1)).hit, 'the oldest was evicted').toBeNull();
  });
});
