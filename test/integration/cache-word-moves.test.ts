// Semantic cache and a question whose small words moved (issue #3): the word-order check refused a
// twin with nearly the same words in another order, to keep "convert my traditional IRA to a Roth IRA"
// from "my Roth IRA to a traditional IRA"; it also refused "in what state were you born" for "what state
// were you born in" (similarity 1.0) and "who is your boss" for "who your boss is": the same question,
// a miss for an answer the cache held. The order of the words that carry meaning is compared now, not
// that of function words (src/cache/word-order.ts). Real gateway, real embedding pack, the openai SDK.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('function words moved, meaning words kept in order', () => {
  it.each([
    ['what state were you born in', 'in what state were you born'],
    ['tell me who your boss is', 'tell me who is your boss'],
  ])('%s is a hit for: %s', async (q, moved) => {
    await store(q);
    expect(await hit(moved)).toBe('true');
  });

  it.each([
    ['Should I convert my traditional IRA to a Roth IRA?', 'Should I convert my Roth IRA to a traditional IRA?'],
    ['How do I convert a list to a string in Python?', 'How do I convert a string to a list in Python?'],
  ])('%s is still not served for: %s', (q, other) => notServedFor(q, other));
});
