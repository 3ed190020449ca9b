// Semantic cache and numbers written as words (issue #3): the numbers check (src/cache/word-order.ts)
// read only words holding a digit, and the embedding weighs a number word as lightly as a digit, so
// "what is seventeen times twenty four" (0.99 against "... twenty three"), "how many days are in three
// weeks" (0.98 against "four weeks"), "give me three ideas for a birthday party" (0.99 against "five
// ideas") and "what happened in the second world war" (0.99 against "the first world war") were served
// the other question's answer. Number words now count as their digits (src/cache/number-words.ts), so
// "3" and "three" meet. Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('a question with other numbers written as words', () => {
  it.each([
    ['what is seventeen times twenty four', 'what is seventeen times twenty three'],
    ['how many days are in three weeks', 'how many days are in four weeks'],
    ['give me three ideas for a birthday party', 'give me five ideas for a birthday party'],
    ['what happened in the second world war', 'what happened in the first world war'],
    ['write a two sentence horror story', 'write a three sentence horror story'],
  ])('%s is not served for: %s', (q, other) => notServedFor(q, other));

  it('the same number as digits or as a word is still a hit', async () => {
    await store('Give me 3 tips for better sleep.');
    expect(await hit('give me three tips for better sleep')).toBe('true');
  });
});
