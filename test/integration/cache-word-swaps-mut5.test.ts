// Mutation audit 5 of src/cache/word-swaps.ts (the semantic cache's word-swap check): what the word-swap
// tests left unpinned, each case failing on the mutant named (W<n>) and passing on the code as it is.
// - A comparison asked with "which is" / "what is" ("Which is faster, Python or Java?" 0.90 against
//   "Which is easier, Python or Java?") was served the other's answer: the swapped word was read as a
//   modifier because both questions go on alike ("a funny joke" / "a good joke"); the word right after
//   "what is" / "which is" is now always what is asked (word-swaps.ts head()). Found while probing W26
//   ("which" not read as a question word: "Which is faster, a car or a bike?" served for "Which is
//   cheaper, ...", which the fourth case holds).
// Real gateway (memory backend), real embedding pack, the openai SDK as client.
import { describe, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('word swaps, mutation audit 5', () => {
  it.each([
    ['Which is faster, Python or Java?', 'Which is easier, Python or Java?'],
    ['Which is older, Rome or Athens?', 'Which is larger, Rome or Athens?'],
    ['What is healthier, brown rice or white rice?', 'What is cheaper, brown rice or white rice?'],
    ['Which is faster, a car or a bike?', 'Which is cheaper, a car or a bike?'],
  ])('%s is not served for: %s (the word after "which is" is what is asked, W26)', (q, other) => notServedFor(q, other));
});
