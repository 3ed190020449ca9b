// Semantic cache and n > 1 (issue #3): an answer with fewer choices than the request asked for (an
// engine or a proxy that dropped one, a stream that ended with [DONE] before choice 1 ever came) was
// stored under the n: 2 key, and every later n: 2 request was served one choice where it reads two
// (choices[1] undefined). Such an answer reaches the client as it came and is not stored
// (llm_cache_write_skipped_total{reason="incomplete"}); one with every choice is stored and served.
// Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream, type Script } from './helpers/recording-upstream.ts';
import { until } from './helpers/until.ts';

/** An answer with `k` choices, JSON or streamed, whatever n the request asked for. */
const choices = (k: number): Script => (body) => {
  const base = { id: 'chatcmpl-n', created: 1, model: body.model };
  const idx = Array.from({ length: k }, (_, i) => i);
  if (!body.stream) return { json: { ...base, object: 'chat.completion', choices: idx.map((i) => ({ index: i, message: { role: 'assistant', content: `tagline ${i}` }, finish_reason: 'stop' })) } };
  const c = (i: number, delta: unknown, finish: string | null = null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: i, delta, finish_reason: finish }] });
  return { sse: idx.flatMap((i) => [c(i, { role: 'assistant', content: `tagline ${i}` }), c(i, {}, 'stop')]) };
};

const gw = useCacheGateway(() => startRecordingUpstream());

const incomplete = () => Number(/llm_cache_write_skipped_total\{reason="incomplete"\} (\d+)/.exec(gw.deps.metrics.render())?.[1] ?? 0);
async function ask(q: string, stream: boolean): Promise<{ hit: string | null; n: number }> {
  if (!stream) {
    const { data, response } = await gw.client.chat.completions.create({ model: 'qwen3', n: 2, messages: [{ role: 'user', content: q }] }).withResponse();
    return { hit: response.headers.get('x-vsr-cache-hit'), n: data.choices.length };
  }
  const { data, response } = await gw.client.chat.completions.create({ model: 'qwen3', n: 2, stream: true, messages: [{ role: 'user', content: q }] }).withResponse();
  const seen = new Set<number>();
  for await (const ch of data) for (const c of ch.choices) seen.add(c.index);
  return { hit: response.headers.get('x-vsr-cache-hit'), n: seen.size };
}

describe.skipIf(!packsAvailable())('n: 2 answered with one choice', () => {
  it.each([
    ['JSON', false, 'Write a tagline for a bicycle shop.'],
    ['streamed', true, 'Write a tagline for a flower shop.'],
  ])('%s: not stored; the next ask goes upstream, and a whole answer is stored', async (_, stream, q) => {
    const before = incomplete();
    gw.up.script = choices(1);
    expect((await ask(q, stream)).n).toBe(1);
    await until(() => incomplete() === before + 1, 5000);
    gw.up.script = choices(2);
    const size = gw.deps.cache!.size();
    expect(await ask(q, stream), 'before: the one-choice answer, from the cache').toEqual({ hit: null, n: 2 });
    await until(() => gw.deps.cache!.size() > size, 5000);
    expect(await ask(q, stream)).toEqual({ hit: 'true', n: 2 });
  });
});
