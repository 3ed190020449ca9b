// Semantic-cache keys and the request fields vLLM reads that change the answer (issue #3): the same
// question with other RAG `documents` ("Summarize the document") was served the answer about the
// first documents, and so was one with another `chat_template`, other banned words, or output
// switches (echo, prompt_logprobs, token ids). Those fields are now part of the key, as `n`,
// `max_tokens` and `logit_bias` were; the same values still hit.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream } from './helpers/recording-upstream.ts';

const gw = useCacheGateway(() => startRecordingUpstream());
const size = () => gw.deps.cache?.size() ?? 0;

async function ask(question: string, extra: Record<string, unknown>, message: Record<string, unknown> = {}): Promise<string | null> {
  const before = size();
  const res = await fetch(`${gw.served.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: question, ...message }], ...extra }),
  });
  await res.text();
  const hit = res.headers.get('x-vsr-cache-hit');
  // A miss is stored after its answer ends: wait for it, so the next request can meet it.
  const deadline = Date.now() + 5000;
  while (!hit && size() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return hit;
}

describe.skipIf(!packsAvailable())('fields that change the answer are part of the cache key', () => {
  it.each([
    ['documents', 'Summarize the attached report in two sentences.', { documents: [{ title: 'Report A', text: 'Sales rose 10% in the north.' }] }, { documents: [{ title: 'Report B', text: 'The plant in Lyon closed in May.' }] }],
    ['chat_template', 'What is the boiling point of water at sea level?', { chat_template: '{{ messages[0].content }}' }, { chat_template: 'Answer in French. {{ messages[0].content }}' }],
    ['bad_words', 'Name three famous painters of the Renaissance.', { bad_words: ['Leonardo'] }, { bad_words: ['Raphael'] }],
    ['echo', 'How many legs does a spider have?', {}, { echo: true }],
    ['prompt_logprobs', 'Which planet is known as the red planet?', {}, { prompt_logprobs: 1 }],
    ['return_token_ids', 'Translate good morning into Spanish.', {}, { return_token_ids: true }],
    // The nested form of reasoning_effort (a family with parameter reasoning.effort reads it there).
    ['reasoning', 'Why is the sky blue during the day?', { reasoning: { effort: 'low' } }, { reasoning: { effort: 'high' } }],
    // A seed picks one sample of the model's answers (vLLM and OpenAI honour it): the same seed is the
    // same answer, another seed asks for another one (several seeds: several drafts to choose from).
    ['seed', 'Write a one-line slogan for a bakery.', { temperature: 0.9, seed: 1 }, { temperature: 0.9, seed: 2 }],
    // The deprecated forms of tools / tool_choice (the SDK still sends them): an answer that may be a
    // function call, not the prose answer of a request that offered none.
    ['functions', 'What is the weather like in Paris today?', {}, { functions: [{ name: 'get_weather', parameters: { type: 'object' } }] }],
    ['function_call', 'Book a table for dinner tomorrow evening.', { functions: [{ name: 'get_weather', parameters: { type: 'object' } }] }, { functions: [{ name: 'get_weather', parameters: { type: 'object' } }], function_call: { name: 'get_weather' } }],
    // OpenAI's search models: an answer from the web of the day, and its search settings.
    ['web_search_options', 'Who won the most recent Tour de France?', {}, { web_search_options: { search_context_size: 'high' } }],
  ])('%s', async (_, question, a, b) => {
    expect(await ask(question, a), 'first ask').toBeNull();
    expect(await ask(question, a), 'same fields').toBe('true');
    expect(await ask(question, b), 'other fields').toBeNull();
  });

  // The question's own participant name (OpenAI reads it; chat templates may render it): in a shared
  // chat "What is my name?" from Alice is not Bob's question.
  it('the name on the question', async () => {
    const q = 'Please remind me what my name is.';
    expect(await ask(q, {}, { name: 'alice' }), 'first ask').toBeNull();
    expect(await ask(q, {}, { name: 'alice' }), 'same name').toBe('true');
    expect(await ask(q, {}, { name: 'bob' }), 'another name').toBeNull();
    expect(await ask(q, {}), 'no name').toBeNull();
  });
});
