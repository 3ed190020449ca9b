// Mutation audit 5 of src/cache/number-words.ts (number words read as their digits by the cache's
// numbers check): the words the number-word tests did not send. Each case fails on the mutant named
// (N<n>) and passes on the code as it is. Real gateway (memory backend), real embedding pack, the
// openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('number words, mutation audit 5', () => {
  it.each([
    ['Give me twenty ideas for a birthday party', 'Give me 2 ideas for a birthday party', 'N2: a tens word read as its digit'],
    ['How many calories are in a hundred grams of rice?', 'How many calories are in a thousand grams of rice?', 'N4: hundred read as 1000'],
    ['How long would it take to count to a million?', 'How long would it take to count to a billion?', 'N9: billion read as a million'],
  ])('%s is not served for: %s (%s)', (q, other) => notServedFor(q, other));

  it.each([
    ['Who won the third season of Survivor?', 'Who won the 3rd season of Survivor?', 'N1: third read as 3th'],
    ['How long does it take to walk twenty miles?', 'How long does it take to walk 20 miles?', 'N2'],
  ])('%s is served for: %s (%s)', async (q, other) => {
    await store(q);
    expect(await hit(other), other).toBe('true');
  });
});
