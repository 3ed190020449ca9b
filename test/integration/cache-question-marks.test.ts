// Semantic cache and questions that differ in a sign or a negation (issue #3): the embedding all but
// ignores them, so "Compute 12/4" (0.98 against "Compute 12*4"), "Solve 2x + 3 = 7" (0.99 against
// "2x - 3 = 7"), "Is 5 > 3?" (0.87 against "Is 5 < 3?") and "Should I buy Tesla stock?" (0.98 against
// "Should I not buy Tesla stock?") were served each other's answer. A stored answer keeps the codes of
// its question's signs and negations (src/cache/question-marks.ts) and a lookup refuses other ones.
// Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('a question with other signs or a negation', () => {
  it.each([
    ['Compute 12/4', 'Compute 12*4'],
    ['Solve 2x + 3 = 7', 'Solve 2x - 3 = 7'],
    ['Is 5 > 3?', 'Is 5 < 3?'],
    ['Should I buy Tesla stock?', 'Should I not buy Tesla stock?'],
  ])('%s is not served for: %s', (q, other) => notServedFor(q, other));

  it('the same signs and negations in other words are still a hit', async () => {
    await store("Why shouldn't I run a marathon without training?");
    expect(await hit("why shouldn't i run a marathon without training")).toBe('true');
  });
});
