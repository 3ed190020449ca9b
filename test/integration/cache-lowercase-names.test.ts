// Semantic cache and names written in lower case (issue #3): the name check (src/cache/word-order.ts)
// took a name for one only when capitalised, and chat questions are often all lower case, so
// "translate i love you to german" (0.85 against "... to french"), "translate this sentence to english:
// je suis fatigue" (0.92 against "... to german: ..."), "what is the currency of japan" (0.81 against
// "... of china") and "flights from new york to london" (0.83 against "... to paris") were served the
// other question's answer; so were "what holidays are in march" (0.96 against "april"), "cook on monday"
// (0.92 against "friday"), "grams in a pound" (0.90 against "in an ounce"). Languages, countries, large
// cities, months, weekdays, units, currencies and programming languages are now names in any case
// (src/cache/known-names.ts). Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('a lower-case question naming another language, country or city', () => {
  it.each([
    ['translate i love you to german', 'translate i love you to french'],
    ['translate this sentence to english: je suis fatigue', 'translate this sentence to german: je suis fatigue'],
    ['what is the currency of japan', 'what is the currency of china'],
    ['flights from new york to london', 'flights from new york to paris'],
    ['what holidays are in march', 'what holidays are in april'],
    ['what should i cook on monday', 'what should i cook on friday'],
    ['how many grams in a pound', 'how many grams in an ounce'],
    ['what is the boiling point of water in fahrenheit', 'what is the boiling point of water in celsius'],
  ])('%s is not served for: %s', (q, other) => notServedFor(q, other));

  it('the same name in another case is still a hit', async () => {
    await store('what is the national dish of italy');
    expect(await hit('What is the national dish of Italy?')).toBe('true');
  });
});
