// Semantic cache and an answer with no text (issue #3): an engine that ends at once (content "",
// finish_reason stop: an EOS first, or a reasoning model whose parser kept every token as reasoning)
// gave an answer that was stored and served, empty, to every close question for the TTL, though
// asking again would most likely get a real one. It reaches the client as it came and is not stored
// (llm_cache_write_skipped_total{reason="empty"}), JSON or streamed. Real gateway, the openai SDK.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream, type Script } from './helpers/recording-upstream.ts';
import { until } from './helpers/until.ts';

/** An answer whose text is `content` (reasoning kept apart, as a reasoning parser does). */
const answerOf = (content: string, reasoning?: string): Script => (body) => {
  const base = { id: 'chatcmpl-e', created: 1, model: body.model };
  const message = { role: 'assistant', content, ...(reasoning ? { reasoning_content: reasoning } : {}) };
  if (!body.stream) return { json: { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: 'stop' }] } };
  const c = (delta: unknown, finish: string | null = null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
  return { sse: [c({ role: 'assistant', content: '' }), ...(reasoning ? [c({ reasoning_content: reasoning })] : []), ...(content ? [c({ content })] : []), c({}, 'stop')] };
};

const gw = useCacheGateway(() => startRecordingUpstream());

const skipped = () => Number(/llm_cache_write_skipped_total\{reason="empty"\} (\d+)/.exec(gw.deps.metrics.render())?.[1] ?? 0);
async function ask(q: string, stream: boolean): Promise<{ hit: string | null; content: string }> {
  if (!stream) {
    const { data, response } = await gw.client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: q }] }).withResponse();
    return { hit: response.headers.get('x-vsr-cache-hit'), content: data.choices[0]!.message.content ?? '' };
  }
  const { data, response } = await gw.client.chat.completions.create({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: q }] }).withResponse();
  let content = '';
  for await (const ch of data) content += ch.choices[0]?.delta?.content ?? '';
  return { hit: response.headers.get('x-vsr-cache-hit'), content };
}

describe.skipIf(!packsAvailable())('an answer with no text', () => {
  it.each([
    ['JSON', false, 'What should I name my new goldfish?'],
    ['streamed, reasoning only', true, 'Suggest a name for a pet hamster.'],
  ])('%s: reaches the client, is not stored; the next ask goes upstream and its real answer is', async (_, stream, q) => {
    const n = skipped();
    gw.up.script = answerOf('', stream ? 'Let me think about names...' : undefined);
    expect(await ask(q, stream)).toEqual({ hit: null, content: '' });
    await until(() => skipped() === n + 1, 5000);
    gw.up.script = answerOf('Bubbles.');
    const size = gw.deps.cache!.size();
    expect(await ask(q, stream), 'before: the empty answer, from the cache').toEqual({ hit: null, content: 'Bubbles.' });
    await until(() => gw.deps.cache!.size() > size, 5000);
    expect(await ask(q, stream)).toEqual({ hit: 'true', content: 'Bubbles.' });
  });
});
