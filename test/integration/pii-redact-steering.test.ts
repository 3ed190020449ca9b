// pii_policy action redact and the fields that steer decoding rather than being read: `stop`,
// `bad_words`, `guided_regex`, `guided_grammar`, structured_outputs' regex and grammar. f833763 read
// them as unread strings and masked them in place, which changed the request: a stop string rewritten
// to a placeholder the model never writes no longer stops it, a regex with a placeholder in it forces
// the answer to spell the placeholder. Now such a field is never altered when it holds no denied value;
// a stop string or bad word holding one is masked only with the placeholder the messages got for the
// same value (the model writes that placeholder where it would have written the value, so the stop
// still matches); any other denied value there (in a regex or grammar, or a stop value the messages
// do not hold) gets the PII response, as under action block: nothing is silently altered.
// The official openai SDK -> semroute (real socket, real PII pack) -> the mock upstream, which records what it got.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { packsAvailable, realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const EMAIL = 'zoe.park@example.com';
const redact = { pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true } };
let gw: Gateway;
let client: OpenAI;
const sent = () => gw.mock.mock.requests.length;
const last = () => gw.mock.mock.requests[gw.mock.mock.requests.length - 1]!;
const ask = (body: Record<string, unknown>) => client.chat.completions.create({ model: 'gpt-oss-20b', ...body } as never).withResponse();
const user = (content: string) => [{ role: 'user', content }];

describe.skipIf(!packsAvailable())('redact and the fields that steer decoding', () => {
  beforeAll(async () => {
    gw = await startGateway({
      classifiers: await realClassifiers(),
      config: (port) =>
        testConfig({ model_config: { ...testConfig().model_config, 'gpt-oss-20b': redact, 'deepseek-v3': redact } }, [{ name: 'production-stack', address: '127.0.0.1', port }]),
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'test', maxRetries: 0 });
  }, 120_000);
  afterAll(() => gw?.close());

  it.each([
    ['a stop string the messages do not hold', { stop: [`Reply to ${EMAIL}`] }],
    ['a guided_regex', { guided_regex: `(yes|no), write to ${EMAIL}` }],
    ['structured_outputs.grammar', { structured_outputs: { grammar: `root ::= "${EMAIL}"` } }],
    ['a guided_regex whose value the messages hold too', { guided_regex: `(yes|no), write to ${EMAIL}`, messages: user(`Should I write to ${EMAIL}?`) }],
  ])('personal data in %s: the PII response, nothing forwarded', async (_name, fields) => {
    const before = sent();
    const { data, response } = await ask({ messages: user('Should I send the report today?'), ...fields });
    expect(sent()).toBe(before);
    expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
    expect((data as OpenAI.ChatCompletion).choices[0]!.finish_reason).toBe('content_filter');
    expect(JSON.stringify(data)).not.toContain(EMAIL);
  });

  it('a stop string whose value the messages hold: masked with the messages\' placeholder, so it still matches', async () => {
    const { response } = await ask({ messages: user(`List the contacts, one per line: ana@example.org, ${EMAIL}`), stop: [EMAIL, 'END'] });
    expect(response.status).toBe(200);
    const q = last();
    expect(q.raw).not.toContain(EMAIL);
    const got = q.body as { messages: Array<{ content: string }>; stop: string[] };
    const placeholder = got.stop[0]!;
    expect(placeholder).toMatch(/^<EMAIL_ADDRESS_\d+>$/);
    expect(got.messages[0]!.content).toContain(placeholder);
    expect(got.stop[1]).toBe('END');
  });

  it('a routed request: answered as block would be, by the best model of the category that may see it, the stop as sent', async () => {
    // math: deepseek-v3 (redact, denies all) first, qwen3 (allows all) next.
    const stop = [`Reply to ${EMAIL}`];
    const { response } = await ask({ model: 'MoM', messages: user('Solve 3x + 7 = 22 and show the steps.'), stop });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vsr-selected-model')).toBe('qwen3');
    expect(response.headers.get('x-vsr-pii-redacted')).toBeNull();
    expect(last().model).toBe('qwen3');
    expect((last().body as { stop: string[] }).stop).toEqual(stop);
  });

  it('personal data in the messages only: they are masked, stop / guided_regex / bad_words go as sent', async () => {
    const fields = { stop: ['\n\n', 'END'], guided_regex: '(yes|no)', bad_words: ['darn'], structured_outputs: { regex: '[a-z]+' } };
    const { response } = await ask({ messages: user(`Should I write to ${EMAIL}? Answer yes or no.`), ...fields });
    expect(response.headers.get('x-vsr-pii-redacted')).toBe('EMAIL_ADDRESS');
    const q = last();
    expect(q.raw).not.toContain(EMAIL);
    expect(q.body).toMatchObject(fields);
  });
});
