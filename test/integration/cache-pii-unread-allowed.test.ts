// The semantic cache's own PII check, for a model whose pii_policy ALLOWS personal data (the default:
// the PII stage does not scan, so the store tap scans the request's texts itself, cache/pii-check.ts).
// It read only the texts the model reads (messages, definitions' strings), not what 4e3cfc2 taught the
// restricting scan to read: strings under keys no reader covers, key names (a tool property named by
// an address, which the template shows and a tool call repeats), integers (a card number sent as a
// JSON number, 19 digits beyond 2^53 too) and the fields that steer decoding (a guided_regex or a
// structural_tag forcing an address into the answer). An answer stored from such a request was served
// to the next user asking a close question, though a restricting model's answer to the same body is
// kept out (pii-unread-cache.test.ts). Now the store tap reads them too. `user` and `metadata` values
// stay out of this check, as before: the answer is not made from the asker's id.
// fetch (raw JSON text: a 19-digit number as written) -> semroute with the cache on (real socket, real packs) -> the mock upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { until } from './helpers/until.ts';

const EMAIL = 'zoe.park@example.com';
/** 19 digits, Luhn-valid; JSON.parse rounds it to digits that are not. */
const CARD19 = '6234567890123456780';
let mock: MockServer;
let deps: AppDeps & { close(): Promise<void> };
let served: Served;

const skipped = (reason: string) => Number(deps.metrics.render().match(new RegExp(`llm_cache_write_skipped_total\\{reason="${reason}"\\} (\\d+)`))?.[1] ?? 0);

/** Sends `question` with `extra` (raw JSON text after the known fields), waits for the store decision,
 *  then sends the same again (tools and response_format are part of the cache key): whether the second
 *  was served from the cache. */
async function servedAgain(question: string, extra: string): Promise<boolean> {
  const size = deps.cache!.size();
  const pii = skipped('pii');
  const first = await send(question, extra);
  expect(first.status).toBe(200);
  expect(first.headers.get('x-vsr-cache-hit')).toBeNull();
  await first.text();
  await until(() => deps.cache!.size() > size || skipped('pii') > pii, 10_000);
  const before = mock.mock.requests.length;
  const again = await send(question, extra);
  expect(again.status).toBe(200);
  await again.text();
  const hit = again.headers.get('x-vsr-cache-hit') === 'true';
  expect(mock.mock.requests.length).toBe(before + (hit ? 0 : 1));
  return hit;
}

function send(question: string, extra: string): Promise<Response> {
  const head = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: question }] }).slice(0, -1);
  return fetch(`${served.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: `${head}${extra ? `,${extra}` : ''}}`,
  });
}

const tool = (property: string) => JSON.stringify([{ type: 'function', function: { name: 'notify', parameters: { type: 'object', properties: { [property]: { type: 'boolean' } } } } }]);

describe.skipIf(!packsAvailable())('an allowed model: personal data outside the read texts keeps the answer out of the cache', () => {
  beforeAll(async () => {
    mock = await startMockServer();
    const config = testConfig({ semantic_cache: { enabled: true } }, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
    deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
    served = await serveFetch(createApp(deps).fetch, { port: 0 });
  }, 120_000);
  afterAll(async () => {
    await served?.close();
    await deps?.close();
    await mock?.close();
  });

  it.each([
    ['nothing personal, unknown fields and a big seed', 'How many legs does a spider have?', `"extra":{"team":"ops","count":3},"seed":${CARD19}`],
    ['an address in `user` (the asker\'s id; the answer is not made from it)', 'How many moons does Mars have?', `"user":"${EMAIL}"`],
    ['a plain tool', 'How tall is Mount Fuji?', `"tools":${tool('urgent')}`],
  ])('control, %s: stored and served', async (_name, question, extra) => {
    expect(await servedAgain(question, extra)).toBe(true);
  });

  it.each([
    ['under an unknown key', 'How do I write a polite reminder?', `"extra":{"who":"${EMAIL}"}`],
    ['as a key name', 'How do I write a cover letter?', `"extra":{"${EMAIL}":1}`],
    ['as a JSON number', 'How do I cancel a subscription?', '"extra":{"card":4111111111111111}'],
    ['as a 19-digit JSON number', 'How do I dispute a charge?', `"extra":{"card":${CARD19}}`],
    ['as a tool property name', 'How do I plan a team offsite?', `"tools":${tool(EMAIL)}`],
    ['in a guided_regex', 'How do I sign an email?', `"guided_regex":"Regards, ${EMAIL}"`],
    ['in a structural_tag response_format', 'How do I end a letter?', `"response_format":{"type":"structural_tag","structures":[{"begin":"<to>${EMAIL}","schema":{},"end":"</to>"}],"triggers":["<to>"]}`],
  ])('personal data %s: not stored', async (_name, question, extra) => {
    expect(await servedAgain(question, extra)).toBe(false);
  });
});
