// Semantic cache and an answer with no text (issue #3): an engine that ends at once (content "",
// finish_reason stop: an EOS first, or a reasoning model whose parser kept every token as reasoning)
// gave an answer that was stored and served, empty, to every close question for the TTL, though
// asking again would most likely get a real one. It reaches the client as it came and is not stored
// (llm_cache_write_skipped_total{reason="empty"}), JSON or streamed. Real gateway, the openai SDK.
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

/** An answer whose text is `content` (reasoning kept apart, as a reasoning parser does). */
const answerOf = (content: string, reasoning?: string): Script => (body) => {
  const base = { id: 'chatcmpl-e', created: 1, model: body.model };
  const message = { role: 'assistant', content, ...(reasoning ? { reasoning_content: reasoning } : {}) };
  if (!body.stream) return { json: { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: 'stop' }] } };
  const c = (delta: unknown, finish: string | null = null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
  return { sse: [c({ role: 'assistant', content: '' }), ...(reasoning ? [c({ reasoning_content: reasoning })] : []), ...(content ? [c({ content })] : []), c({}, 'stop')] };
};

let up: RecordingUpstream;
let served: Served;
let deps: AppDeps & { close(): Promise<void> };
let client: OpenAI;
beforeAll(async () => {
  up = await startRecordingUpstream();
  const config = testConfig({ semantic_cache: { enabled: true } }, [{ name: 'production-stack', address: '127.0.0.1', port: up.port }]);
  deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  served = await serveFetch(createApp(deps).fetch, { port: 0 });
  client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 });
}, 120_000);
afterAll(async () => {
  await served?.close();
  await deps?.close();
  await up?.close();
});

const skipped = () => Number(/llm_cache_write_skipped_total\{reason="empty"\} (\d+)/.exec(deps.metrics.render())?.[1] ?? 0);
async function ask(q: string, stream: boolean): Promise<{ hit: string | null; content: string }> {
  if (!stream) {
    const { data, response } = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: q }] }).withResponse();
    return { hit: response.headers.get('x-vsr-cache-hit'), content: data.choices[0]!.message.content ?? '' };
  }
  const { data, response } = await client.chat.completions.create({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: q }] }).withResponse();
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
    up.script = answerOf('', stream ? 'Let me think about names...' : undefined);
    expect(await ask(q, stream)).toEqual({ hit: null, content: '' });
    await until(() => skipped() === n + 1, 5000);
    up.script = answerOf('Bubbles.');
    const size = deps.cache!.size();
    expect(await ask(q, stream), 'before: the empty answer, from the cache').toEqual({ hit: null, content: 'Bubbles.' });
    await until(() => deps.cache!.size() > size, 5000);
    expect(await ask(q, stream)).toEqual({ hit: 'true', content: 'Bubbles.' });
  });
});
