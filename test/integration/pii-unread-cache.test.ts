// The semantic cache and personal data found only outside the texts the model reads, for a model
// whose pii_policy restricts: a string under an unknown key, a key name, a card number sent as a JSON
// number. An answer to a prompt with personal data in its messages is not stored (the PII stage
// withdraws the store; the store tap skips reason "pii"); the same must hold when the data sits
// under a key no reader covers: the engine and its logs get it, the gateway cannot tell whether the
// model read it, and the next asker of the question must not be served an answer made with it.
// The official openai SDK -> semroute with the cache on (real socket, real packs) -> the mock upstream.
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

const EMAIL = 'zoe.park@example.com';
// allow_by_default false with e-mail addresses allowed: the scan runs, nothing is masked or refused.
const policies = {
  'gpt-oss-20b': { pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true } },
  'deepseek-v3': { pii_policy: { allow_by_default: false, pii_types_allowed: ['EMAIL_ADDRESS', 'CREDIT_CARD'], action: 'block' } },
};
let mock: MockServer;
let deps: AppDeps & { close(): Promise<void> };
let served: Served;
let client: OpenAI;

const skipped = (reason: string) => Number(deps.metrics.render().match(new RegExp(`llm_cache_write_skipped_total\\{reason="${reason}"\\} (\\d+)`))?.[1] ?? 0);

/** Asks `question` with `extra` fields, waits for the store decision, then asks it again bare: whether the second was served from the cache. */
async function servedAgain(model: string, question: string, extra: Record<string, unknown>): Promise<boolean> {
  const messages = [{ role: 'user', content: question }];
  const size = deps.cache!.size();
  const pii = skipped('pii');
  const withdrawn = skipped('withdrawn');
  const first = await client.chat.completions.create({ model, messages, ...extra } as never).withResponse();
  expect(first.response.status).toBe(200);
  expect(first.response.headers.get('x-vsr-cache-hit')).toBeNull();
  await until(() => deps.cache!.size() > size || skipped('pii') > pii || skipped('withdrawn') > withdrawn, 10_000);
  const before = mock.mock.requests.length;
  const again = await client.chat.completions.create({ model, messages } as never).withResponse();
  const hit = again.response.headers.get('x-vsr-cache-hit') === 'true';
  expect(mock.mock.requests.length).toBe(before + (hit ? 0 : 1));
  return hit;
}

describe.skipIf(!packsAvailable())('personal data under keys no reader covers keeps the answer out of the cache', () => {
  beforeAll(async () => {
    mock = await startMockServer();
    const config = testConfig(
      { semantic_cache: { enabled: true }, model_config: { ...testConfig().model_config, ...policies } },
      [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }],
    );
    deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
    served = await serveFetch(createApp(deps).fetch, { port: 0 });
    client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 });
  }, 120_000);
  afterAll(async () => {
    await served?.close();
    await deps?.close();
    await mock?.close();
  });

  it('control: no personal data anywhere, the answer is stored and served', async () => {
    expect(await servedAgain('gpt-oss-20b', 'How many legs does a spider have?', { extra: { team: 'ops', count: 3 } })).toBe(true);
  });

  it.each([
    ['in the messages (the reference)', 'gpt-oss-20b', { messages: undefined }, `How do I reach ${EMAIL} by post?`],
    ['under an unknown key, redacted', 'gpt-oss-20b', { extra: { who: EMAIL } }, 'How do I write a polite reminder?'],
    ['as a JSON number under an unknown key, redacted', 'gpt-oss-20b', { extra: { card: 4111111111111111 } }, 'How do I cancel a subscription?'],
    ['under an unknown key, allowed', 'deepseek-v3', { extra: { who: EMAIL } }, 'How do I plan a team offsite?'],
    ['as a key name, allowed', 'deepseek-v3', { metadata: { [EMAIL]: 'x' } }, 'How do I write a cover letter?'],
    ['as a JSON number, allowed', 'deepseek-v3', { extra: { card: 4111111111111111 } }, 'How do I dispute a charge?'],
  ])('personal data %s: not stored', async (_name, model, extra, question) => {
    const fields = 'messages' in extra ? {} : extra;
    expect(await servedAgain(model, question, fields)).toBe(false);
  });
});
