// Semantic cache and questions that differ in a name (issue #3): the embedding weighs one changed
// proper noun lightly, so "Translate good morning into Spanish." (0.88 against "... into French.")
// and "What is the weather like in Rome today?" (0.84 against "... in Paris today?") were served
// the other question's answer. A stored answer keeps the hashes of its question's capitalised words
// (not at a sentence's start), and a lookup refuses an entry when a name of either question is not
// a word of the other, in any case. Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { until } from './helpers/until.ts';

const gw = useCacheGateway(() => startMockServer());

async function hit(question: string): Promise<string | null> {
  const { response } = await gw.client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: question }] }).withResponse();
  return response.headers.get('x-vsr-cache-hit');
}
/** Asks once (a miss) and waits for the answer to be stored. */
async function store(question: string): Promise<void> {
  const size = gw.deps.cache!.size();
  expect(await hit(question), question).toBeNull();
  await until(() => gw.deps.cache!.size() > size, 5000);
}

describe.skipIf(!packsAvailable())('a question naming another place, language or thing', () => {
  it.each([
    ['Translate good morning into Spanish.', 'Translate good morning into French.'],
    ['What is the weather like in Paris today?', 'What is the weather like in Rome today?'],
  ])('%s is not served for: %s', async (q, other) => {
    await store(q);
    expect(await hit(q), 'the same question').toBe('true');
    expect(await hit(q.toLowerCase()), 'the same question in lower case').toBe('true');
    const calls = gw.up.mock.requests.length;
    expect(await hit(other), other).toBeNull();
    expect(gw.up.mock.requests.length).toBe(calls + 1);
  });

  it('a rewording that keeps the names is still a hit', async () => {
    await store('Can you explain how the Eiffel Tower was built?');
    expect(await hit('Can you explain how the eiffel tower was built')).toBe('true');
    expect(await hit('Explain how the Eiffel Tower was built.')).toBe('true');
  });
});
