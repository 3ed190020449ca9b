// Mutation audit 5 of src/cache/word-swaps.ts (the semantic cache's word-swap check): what the word-swap
// tests left unpinned, each case failing on the mutant named (W<n>) and passing on the code as it is.
// - A comparison asked with "which is" / "what is" ("Which is faster, Python or Java?" 0.90 against
//   "Which is easier, Python or Java?") was served the other's answer: the swapped word was read as a
//   modifier because both questions go on alike ("a funny joke" / "a good joke"); the word right after
//   "what is" / "which is" is now always what is asked (word-swaps.ts head()). Found while probing W26
//   ("which" not read as a question word: "Which is faster, a car or a bike?" served for "Which is
//   cheaper, ...", which the fourth case holds).
// - The longest question the check reads whole (47 words) is still compared (W1: 47 cut too).
// - Rewordings that must stay hits: "me" / "us" after a verb of the asking (W16), a pronoun for another
//   of the same person (W39), a listed synonym (W19).
// Real gateway (memory backend), real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor } = questionAsker(gw);

/** 47 words (as the cache counts them: runs of letters and digits), `crop` among the last. */
const longQuestion = (crop: string) =>
  'I am planning a vegetable garden on my balcony this spring. It gets six hours of sun a day, ' +
  'I have some large pots, good compost and plenty of time on weekends, and I would love a harvest by summer. ' +
  `So, how do I grow ${crop} there?`;

describe.skipIf(!packsAvailable())('word swaps, mutation audit 5', () => {
  it.each([
    ['Which is faster, Python or Java?', 'Which is easier, Python or Java?'],
    ['Which is older, Rome or Athens?', 'Which is larger, Rome or Athens?'],
    ['What is healthier, brown rice or white rice?', 'What is cheaper, brown rice or white rice?'],
    ['Which is faster, a car or a bike?', 'Which is cheaper, a car or a bike?'],
  ])('%s is not served for: %s (the word after "which is" is what is asked, W26)', (q, other) => notServedFor(q, other));

  it('a 47-word question is compared: one crop swapped is not served (W1)', async () => {
    expect(longQuestion('tomatoes').match(/[\p{L}\p{N}]+/gu)).toHaveLength(47);
    await notServedFor(longQuestion('tomatoes'), longQuestion('cucumbers'));
  });

  it.each([
    ['Can you show me how to tie a bow tie?', 'Can you show us how to tie a bow tie?'],
    ['Tell me when the museum opens on Sundays.', 'Tell us when the museum opens on Sundays.'],
  ])('%s is served for: %s ("me" / "us" after a verb of the asking, W16)', async (q, other) => {
    await store(q);
    expect(await hit(other), other).toBe('true');
  });

  it('a pronoun for another of the same person is served: "about yourself" / "about you" (W39)', async () => {
    await store('Tell me a little about yourself.');
    expect(await hit('Tell me a little about you.')).toBe('true');
  });

  it('a listed synonym is served: "person" / "human" (W19)', async () => {
    await store('How many bones does an adult person have?');
    expect(await hit('How many bones does an adult human have?')).toBe('true');
  });
});
