// Semantic cache and questions that differ in a name (issue #3): the embedding weighs one changed
// proper noun lightly, so "Translate good morning into Spanish." (0.88 against "... into French.")
// and "What is the weather like in Rome today?" (0.84 against "... in Paris today?") were served
// the other question's answer. A stored answer keeps the hashes of its question's capitalised words
// (not at a sentence's start), and a lookup refuses an entry when a name of either question is not
// a word of the other, in any case. Real gateway, real embedding pack, the openai SDK as client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { until } from './helpers/until.ts';

let mock: MockServer;
let served: Served;
let deps: AppDeps & { close(): Promise<void> };
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockServer();
  const config = testConfig({ semantic_cache: { enabled: true } }, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
  deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  served = await serveFetch(createApp(deps).fetch, { port: 0 });
  client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 });
}, 120_000);
afterAll(async () => {
  await served?.close();
  await deps?.close();
  await mock?.close();
});

async function hit(question: string): Promise<string | null> {
  const { response } = await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: question }] }).withResponse();
  return response.headers.get('x-vsr-cache-hit');
}
/** Asks once (a miss) and waits for the answer to be stored. */
async function store(question: string): Promise<void> {
  const size = deps.cache!.size();
  expect(await hit(question), question).toBeNull();
  await until(() => deps.cache!.size() > size, 5000);
}

describe.skipIf(!packsAvailable())('a question naming another place, language or thing', () => {
  it.each([
    ['Translate good morning into Spanish.', 'Translate good morning into French.'],
    ['What is the weather like in Paris today?', 'What is the weather like in Rome today?'],
  ])('%s is not served for: %s', async (q, other) => {
    await store(q);
    expect(await hit(q), 'the same question').toBe('true');
    expect(await hit(q.toLowerCase()), 'the same question in lower case').toBe('true');
    const calls = mock.mock.requests.length;
    expect(await hit(other), other).toBeNull();
    expect(mock.mock.requests.length).toBe(calls + 1);
  });

  it('a rewording that keeps the names is still a hit', async () => {
    await store('Can you explain how the Eiffel Tower was built?');
    expect(await hit('Can you explain how the eiffel tower was built')).toBe('true');
    expect(await hit('Explain how the Eiffel Tower was built.')).toBe('true');
  });
});
