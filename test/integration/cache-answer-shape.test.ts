// Semantic cache and the request fields the openai SDK sends (issue #3), each asked after the same
// question was stored without it (or with other values): a field that changes the answer must miss, one
// sent at the value the engine takes when it is absent must hit. Before: OpenAI's verbosity and the
// frequency / presence / repetition penalties (which change even a greedy answer) were in no key, so
// the plain answer was served to them; and `n: 1`, `logprobs: false`, `response_format: {type:
// "text"}`, `stop: "x"` against ["x"] were keyed apart from the same question, and missed answers the
// cache held (src/cache/shape-defaults.ts). Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream } from './helpers/recording-upstream.ts';

const gw = useCacheGateway(() => startRecordingUpstream());
const size = () => gw.deps.cache?.size() ?? 0;

async function ask(question: string, extra: Record<string, unknown>, system?: string): Promise<string | null> {
  const before = size();
  const messages = [...(system ? [{ role: 'system', content: system }] : []), { role: 'user', content: question }];
  const { response } = await gw.client.chat.completions.create({ model: 'qwen3', messages, ...extra } as never).withResponse();
  const hit = response.headers.get('x-vsr-cache-hit');
  const deadline = Date.now() + 3000;
  while (!hit && size() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return hit;
}

describe.skipIf(!packsAvailable())('request fields and the answer a hit gives', () => {
  it.each([
    ['verbosity', 'Explain how vaccines work.', {}, { verbosity: 'low' }, null],
    ['frequency_penalty', 'List some words that rhyme with cat.', {}, { frequency_penalty: 1.5 }, null],
    ['presence_penalty', 'Name some fruits that are red.', {}, { presence_penalty: 1.5 }, null],
    ['repetition_penalty', 'Name some rivers in Europe.', {}, { repetition_penalty: 1.3 }, null],
    ['n 1 = default', 'What is the tallest mountain in Africa?', {}, { n: 1 }, 'true'],
    ['logprobs false = default', 'What is the chemical symbol for gold?', {}, { logprobs: false }, 'true'],
    ['max_tokens smaller', 'Describe the water cycle.', {}, { max_tokens: 5 }, null],
    ['stop', 'Count from one to ten in words.', {}, { stop: ['five'] }, null],
    ['stop string = list', 'Spell the word banana letter by letter.', { stop: 'n' }, { stop: ['n'] }, 'true'],
    ['tool_choice', 'What time is it in Tokyo?', { tools: [{ type: 'function', function: { name: 't', parameters: { type: 'object' } } }] }, { tools: [{ type: 'function', function: { name: 't', parameters: { type: 'object' } } }], tool_choice: 'required' }, null],
    ['response_format json_object', 'Give me a recipe for pancakes.', {}, { response_format: { type: 'json_object' } }, null],
    ['response_format text = default', 'Who painted the Mona Lisa?', {}, { response_format: { type: 'text' } }, 'true'],
    ['top_logprobs', 'What is the capital of Canada?', { logprobs: true, top_logprobs: 1 }, { logprobs: true, top_logprobs: 5 }, null],
    ['temperature 0 = absent', 'How many continents are there?', {}, { temperature: 0 }, 'true'],
    ['stream_options null on JSON', 'What is the speed of light?', {}, { stream_options: null }, 'true'],
    ['truncate_prompt_tokens (vLLM)', 'Summarise the plot of Hamlet.', {}, { truncate_prompt_tokens: 4 }, null],
    ['penalty 0 = default', 'What is the largest desert on Earth?', {}, { frequency_penalty: 0, presence_penalty: 0 }, 'true'],
    ['parallel_tool_calls true = default', 'Which city hosts the Louvre?', { tools: [{ type: 'function', function: { name: 't', parameters: { type: 'object' } } }] }, { tools: [{ type: 'function', function: { name: 't', parameters: { type: 'object' } } }], parallel_tool_calls: true }, 'true'],
    ['logit_bias {} = default', 'How many bones are in the human body?', {}, { logit_bias: {} }, 'true'],
    ['n 2 after n 1', 'Suggest a name for a black cat.', { n: 1 }, { n: 2 }, null],
  ])('%s', async (_, q, a, b, want) => {
    expect(await ask(q, a), 'first').toBeNull();
    expect(await ask(q, a), 'same').toBe('true');
    expect(await ask(q, b), 'other').toBe(want);
  });

  it('system prompt', async () => {
    const q = 'Tell me a joke about computers.';
    expect(await ask(q, {}, 'You are a pirate.')).toBeNull();
    expect(await ask(q, {}, 'You are a pirate.')).toBe('true');
    expect(await ask(q, {}, 'You are a poet.')).toBeNull();
    expect(await ask(q, {})).toBeNull();
  });
});
