// Semantic cache and questions that differ in a sign or a negation (issue #3): the embedding all but
// ignores them, so "Compute 12/4" (0.98 against "Compute 12*4"), "Solve 2x + 3 = 7" (0.99 against
// "2x - 3 = 7"), "Is 5 > 3?" (0.87 against "Is 5 < 3?") and "Should I buy Tesla stock?" (0.98 against
// "Should I not buy Tesla stock?") were served each other's answer. A stored answer keeps the codes of
// its question's signs and negations (src/cache/question-marks.ts) and a lookup refuses other ones.
// Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { until } from './helpers/until.ts';

const gw = useCacheGateway(() => startMockServer());

async function hit(question: string): Promise<string | null> {
  const { response } = await gw.client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: question }] }).withResponse();
  return response.headers.get('x-vsr-cache-hit');
}
/** Asks once (a miss) and waits for the answer to be stored. */
async function store(question: string): Promise<void> {
  const size = gw.deps.cache!.size();
  expect(await hit(question), question).toBeNull();
  await until(() => gw.deps.cache!.size() > size, 5000);
}

describe.skipIf(!packsAvailable())('a question with other signs or a negation', () => {
  it.each([
    ['Compute 12/4', 'Compute 12*4'],
    ['Solve 2x + 3 = 7', 'Solve 2x - 3 = 7'],
    ['Is 5 > 3?', 'Is 5 < 3?'],
    ['Should I buy Tesla stock?', 'Should I not buy Tesla stock?'],
  ])('%s is not served for: %s', async (q, other) => {
    await store(q);
    expect(await hit(q), 'the same question').toBe('true');
    expect(await hit(q.toLowerCase()), 'the same question in lower case').toBe('true');
    const calls = gw.up.mock.requests.length;
    expect(await hit(other), other).toBeNull();
    expect(gw.up.mock.requests.length).toBe(calls + 1);
  });

  it('the same signs and negations in other words are still a hit', async () => {
    await store("Why shouldn't I run a marathon without training?");
    expect(await hit("why shouldn't i run a marathon without training")).toBe('true');
  });
});
