// Semantic cache and "twice": the numbers check (src/cache/word-order.ts) read "twice" as "2x" and
// "2 times" as the number 2, so "Should I water my plants twice a day?" (0.98 against "... 2 times a
// day?") went upstream for a question the cache held. "twice" is a multiple wherever it stands ("twice
// a day", "twice as big"): it is "2x", and so is "2 times" / "two times" before a word that is not a
// number; "17 times 23" stays a product of 17 and 23, and "twice" never meets the count "two" ("twice
// its reverse" / "two numbers"). Real gateway (memory backend), real embedding pack, the openai SDK.
import { describe, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { notServedFor, servedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('"twice" and "N times"', () => {
  it.each([
    ['Should I water my plants twice a day?', 'Should I water my plants 2 times a day?'],
    ['Is it ok to take ibuprofen twice a day?', 'Is it ok to take ibuprofen two times a day?'],
    ['Is a cheetah twice as fast as a horse?', 'Is a cheetah 2x as fast as a horse?'],
  ])('%s is served for: %s', (q, other) => servedFor(q, other));

  it.each([
    ['Is twice a week enough exercise?', 'Is three times a week enough exercise?'],
    ['What is 17 times 23?', 'What is 17 times 24?'],
  ])('%s is not served for: %s', (q, other) => notServedFor(q, other));
});
