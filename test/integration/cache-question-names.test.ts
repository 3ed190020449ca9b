// Semantic cache and questions that differ in a name (issue #3): the embedding weighs one changed
// proper noun lightly, so "Translate good morning into Spanish." (0.88 against "... into French.")
// and "What is the weather like in Rome today?" (0.84 against "... in Paris today?") were served
// the other question's answer. A stored answer keeps the hashes of its question's capitalised words
// (not at a sentence's start), and a lookup refuses an entry when a name of either question is not
// a word of the other, in any case. Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('a question naming another place, language or thing', () => {
  it.each([
    ['Translate good morning into Spanish.', 'Translate good morning into French.'],
    ['What is the weather like in Paris today?', 'What is the weather like in Rome today?'],
  ])('%s is not served for: %s', (q, other) => notServedFor(q, other));

  it('a rewording that keeps the names is still a hit', async () => {
    await store('Can you explain how the Eiffel Tower was built?');
    expect(await hit('Can you explain how the eiffel tower was built')).toBe('true');
    expect(await hit('Explain how the Eiffel Tower was built.')).toBe('true');
  });
});
