// Semantic-cache hits as an `openai` SDK user sees them (issue #3): a replayed stream honours the
// client's stream_options.include_usage, an answer about one image is not served for another, and
// logprobs survive the JSON <-> SSE conversions. Real embedding pack, recording upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { plainAnswer, startRecordingUpstream, type RecordingUpstream, type Script } from './helpers/recording-upstream.ts';

let up: RecordingUpstream;
let client: OpenAI;
const closers: Array<() => Promise<void>> = [];
const sizes: Array<() => number> = [];

/** A gateway with the semantic cache on (`cache` merged into the section) in front of the recording upstream. */
async function cachingGateway(cache: Record<string, unknown> = {}): Promise<OpenAI> {
  const config = testConfig({ semantic_cache: { enabled: true, ...cache } }, [{ name: 'production-stack', address: '127.0.0.1', port: up.port }]);
  const deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  const served: Served = await serveFetch(createApp(deps).fetch, { port: 0 });
  closers.push(async () => {
    await served.close();
    await deps.close();
  });
  sizes.push(() => deps.cache?.size() ?? 0);
  return new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 });
}

beforeAll(async () => {
  up = await startRecordingUpstream();
  client = await cachingGateway();
});
afterAll(async () => {
  for (const c of closers) await c();
  await up?.close();
});

let entries = 0;
/** Waits until `n` more answers are in the caches (the store tap runs after the answer's end). */
async function stored(n = 1): Promise<void> {
  const total = () => sizes.reduce((a, f) => a + f(), 0);
  const deadline = Date.now() + 5000;
  while (total() < entries + n) {
    if (Date.now() > deadline) throw new Error(`${total() - entries} of ${n} answers stored`);
    await new Promise((r) => setTimeout(r, 10));
  }
  entries = total();
}
type Chunk = OpenAI.Chat.ChatCompletionChunk;

async function streamed(question: string, extra: Record<string, unknown> = {}): Promise<{ hit: string | null; chunks: Chunk[] }> {
  const { data, response } = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: question }], stream: true, ...extra }).withResponse();
  const chunks: Chunk[] = [];
  for await (const c of data) chunks.push(c);
  return { hit: response.headers.get('x-vsr-cache-hit'), chunks };
}

describe.skipIf(!packsAvailable())('cache hits and stream_options.include_usage', () => {
  it('a stream recorded with a usage chunk is replayed without it to a client that did not ask', async () => {
    // Before: the usage chunk (choices: []) came too, and `chunk.choices[0].delta` threw in the client's loop.
    up.script = plainAnswer;
    const Q = 'What is the capital city of France and why is it famous?';
    expect((await streamed(Q, { stream_options: { include_usage: true } })).chunks.at(-1)?.usage?.total_tokens).toBe(4);
    await stored();
    const again = await streamed(Q);
    expect(again.hit).toBe('true');
    expect(again.chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true);
    expect(again.chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('ok');
    // ...and with it to one that asks.
    const withUsage = await streamed(Q, { stream_options: { include_usage: true } });
    expect(withUsage.hit).toBe('true');
    expect(withUsage.chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 4 } });
  });

  it('a client that asks for usage gets it: from a stored JSON answer, and never a recorded stream that had none', async () => {
    // An engine that never sends a stream's usage (the gateway asks for it since 2026-12-07: plainAnswer would send it).
    up.script = (body) => plainAnswer({ ...body, stream_options: undefined });
    const Q = 'Explain how photosynthesis works in green plants.';
    await streamed(Q); // recorded without usage
    await stored();
    up.script = plainAnswer;
    const calls = up.bodies.length;
    // Before: the hit replayed the stream without usage, so finalChatCompletion().usage was undefined.
    const fin = await client.chat.completions.stream({ model: 'qwen3', messages: [{ role: 'user', content: Q }], stream_options: { include_usage: true } }).finalChatCompletion();
    expect(fin.usage?.total_tokens).toBe(4);
    expect(up.bodies.length).toBe(calls + 1);

    const J = 'Why is the sky blue during the day?';
    await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: J }] });
    await stored(2); // the answer with usage above, and this one
    const fromJson = await streamed(J, { stream_options: { include_usage: true } });
    expect(fromJson.hit).toBe('true');
    expect(fromJson.chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 4 } });
  });
});

describe.skipIf(!packsAvailable())('a stream recorded for a client that did not ask for usage', () => {
  it('carries the usage the gateway asked for: a client that asks is served it from the cache', async () => {
    up.script = plainAnswer;
    const Q = 'What are the main causes of ocean tides on Earth?';
    const first = await streamed(Q);
    expect(first.chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true);
    expect(up.bodies.at(-1)!.stream_options).toEqual({ include_usage: true });
    await stored();
    const calls = up.bodies.length;
    const again = await streamed(Q, { stream_options: { include_usage: true } });
    expect(again.hit).toBe('true');
    expect(again.chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 4 } });
    expect(up.bodies.length).toBe(calls);
  });
});

describe.skipIf(!packsAvailable())('cache hits and multi-part questions', () => {
  it('the same question about another image is not a hit; about the same image it is', async () => {
    up.script = plainAnswer;
    const ask = (url: string) =>
      client.chat.completions
        .create({ model: 'qwen3', messages: [{ role: 'user', content: [{ type: 'text', text: 'What animal is in this picture?' }, { type: 'image_url', image_url: { url } }] }] })
        .withResponse();
    await ask('https://example.com/cat.png');
    await stored();
    // Before: keyed on the text alone, the cat answer was served for the dog picture.
    expect((await ask('https://example.com/dog.png')).response.headers.get('x-vsr-cache-hit')).toBeNull();
    await stored();
    expect((await ask('https://example.com/cat.png')).response.headers.get('x-vsr-cache-hit')).toBe('true');
  });
});

describe.skipIf(!packsAvailable())('cache hits and logprobs', () => {
  const lp = (token: string) => ({ token, logprob: -0.5, bytes: [...Buffer.from(token)], top_logprobs: [] });
  const withLogprobs: Script = (body) => {
    const head = { id: 'chatcmpl-lp', created: 1, model: body.model };
    if (!body.stream) {
      return { json: { ...head, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, logprobs: { content: [lp('Hi'), lp(' there')] }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } };
    }
    const c = (delta: unknown, logprobs: unknown, finish: string | null = null) => ({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs, finish_reason: finish }] });
    return { sse: [c({ role: 'assistant', content: '' }, null), c({ content: 'Hi' }, { content: [lp('Hi')] }), c({ content: ' there' }, { content: [lp(' there')] }), c({}, null, 'stop')] };
  };

  it('a streamed answer served as JSON, and a JSON answer served as a stream, keep their token logprobs', async () => {
    up.script = withLogprobs;
    const Q = 'Say hello to me in a friendly way please.';
    await streamed(Q, { logprobs: true });
    await stored();
    // Before: assembling the stream dropped the logprobs.
    const { data, response } = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }], logprobs: true }).withResponse();
    expect(response.headers.get('x-vsr-cache-hit')).toBe('true');
    expect(data.choices[0].logprobs?.content?.map((t) => t.token)).toEqual(['Hi', ' there']);

    const J = 'Greet me warmly in one short sentence.';
    await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: J }], logprobs: true });
    await stored();
    const fin = await client.chat.completions.stream({ model: 'qwen3', messages: [{ role: 'user', content: J }], logprobs: true }).finalChatCompletion();
    expect(fin.choices[0].logprobs?.content?.map((t) => t.token)).toEqual(['Hi', ' there']);
  });
});

describe.skipIf(!packsAvailable())('cache hits and response_format / tools with match_context: false', () => {
  it('an answer asked without a response_format is not served to a client that asks for JSON (nor one with tools)', async () => {
    up.script = plainAnswer;
    const c = await cachingGateway({ match_context: false });
    const Q = 'List three primary colours.';
    const schema = { type: 'json_schema' as const, json_schema: { name: 'colours', schema: { type: 'object' } } };
    const tools = [{ type: 'function' as const, function: { name: 'paint', parameters: { type: 'object' } } }];
    const ask = (extra: Record<string, unknown>) => c.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }], ...extra }).withResponse();
    await ask({});
    await stored();
    // Before: without match_context these fields were not part of the key, so the prose answer came back.
    expect((await ask({ response_format: schema })).response.headers.get('x-vsr-cache-hit')).toBeNull();
    expect((await ask({ tools })).response.headers.get('x-vsr-cache-hit')).toBeNull();
    await stored(2);
    expect((await ask({ response_format: schema })).response.headers.get('x-vsr-cache-hit')).toBe('true');
    expect((await ask({})).response.headers.get('x-vsr-cache-hit')).toBe('true');
  });
});

describe.skipIf(!packsAvailable())("cache hits and vLLM's structured-output fields", () => {
  it('an answer asked without guided_json / guided_choice / structured_outputs is not served to a client that constrains the output', async () => {
    up.script = plainAnswer;
    const Q = 'Is the Pacific the largest ocean on Earth?';
    const ask = (extra: Record<string, unknown>) => client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }], ...extra } as never).withResponse();
    await ask({});
    await stored();
    // Before: none of them was part of the key, so the prose answer came back for a constrained ask.
    for (const extra of [{ guided_choice: ['yes', 'no'] }, { guided_json: { type: 'object' } }, { structured_outputs: { choice: ['yes', 'no'] } }]) {
      expect((await ask(extra)).response.headers.get('x-vsr-cache-hit')).toBeNull();
    }
    await stored(3);
    expect((await ask({ guided_choice: ['yes', 'no'] })).response.headers.get('x-vsr-cache-hit')).toBe('true');
  });
});

describe.skipIf(!packsAvailable())('cache hits and the client\'s reasoning switches', () => {
  it('an answer asked with thinking off is not served to a client that turns it on (explicit model), nor the other way', async () => {
    up.script = plainAnswer;
    const Q = 'Which river flows through Vienna and Budapest?';
    const ask = (extra: Record<string, unknown>) => client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }], ...extra } as never).withResponse();
    await ask({ chat_template_kwargs: { enable_thinking: false } });
    await stored();
    // Before: neither field was part of the key, so the answer made without thinking came back.
    for (const extra of [{ chat_template_kwargs: { enable_thinking: true } }, { reasoning_effort: 'high' }]) {
      expect((await ask(extra)).response.headers.get('x-vsr-cache-hit')).toBeNull();
    }
    await stored(2);
    expect((await ask({ chat_template_kwargs: { enable_thinking: false } })).response.headers.get('x-vsr-cache-hit')).toBe('true');
  });
});
