// Mutation audit 5 of src/cache/opposites.ts (the semantic cache's opposite-ends check): the listed
// words in the forms questions use them in, and a stored question naming both ends. Each pair is
// another question the embedding puts over the threshold, and each case fails on the mutant named
// (O<n>): a form not made or a group dropped, so neither question names the group and the answer is
// served. (Groups dropped whose cache-opposites pairs failed: first / last, am / pm, this / next.)
// Real gateway (memory backend), real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { expectPairOverThreshold, questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('opposites, mutation audit 5', () => {
  it.each([
    ['What increases blood pressure?', 'What decreases blood pressure?', 'O1: -s'],
    ['My unit test passes locally but not in CI', 'My unit test fails locally but not in CI', 'O2: -es'],
    ['What if I opened a phishing email by accident?', 'What if I closed a phishing email by accident?', 'O3: -ed'],
    ['Why has my heart rate increased lately?', 'Why has my heart rate decreased lately?', 'O4: -d'],
    ['What should I do if my visa application was denied?', 'What should I do if my visa application was approved?', 'O7: y -> ied'],
    ['Should I eat more protein to build muscle?', 'Should I eat less protein to build muscle?', 'O24: more / less'],
    // cache-opposites' max / min and hot / cold pairs are refused by the word-swap check too; here the
    // end stands before a word both go on with, where that check reads a modifier.
    ['What is the maximum dose of ibuprofen per day?', 'What is the minimum dose of ibuprofen per day?', 'O16: max / min'],
    ['Should I drink hot water in the morning?', 'Should I drink cold water in the morning?', 'O20: hot / cold'],
  ])('%s is not served for: %s (%s)', (q, other) => notServedFor(q, other));

  it('a stored question naming both ends is not served for one naming either end (O13: ends compared up to the shorter list)', async () => {
    const both = 'Does caffeine increase or decrease blood pressure?';
    await notServedFor(both, 'Does caffeine increase blood pressure?');
    // Either end: which one the mutant lets through depends on the ends' hash order.
    const other = 'Does caffeine decrease blood pressure?';
    await expectPairOverThreshold(gw.deps, both, other);
    const calls = gw.up.mock.requests.length;
    expect(await hit(other), other).toBeNull();
    expect(gw.up.mock.requests.length).toBe(calls + 1);
  });
});
