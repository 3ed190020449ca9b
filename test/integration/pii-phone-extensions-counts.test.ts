// Two phone readings through the real gateway, under a policy that masks every type:
// - a list of numbers with an extension after it ("rows 12 34 56 78 x12") skipped the list test (the
//   extension made it no run of groups) and was masked as a phone; "12 34 56 78 90 555 1234 x12" had
//   an inner piece of the refused list masked ("34 56 78 90 555 1234 x12");
// - a count after a British number ("call 020 7946 0018 24 hours") stayed in the span, as it did
//   after a North American one before unit-counts.ts, so the model read "<PHONE_NUMBER_1> hours".
// The openai SDK -> semroute (real socket, real packs) -> its mock upstream, which records the body.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packsAvailable, postJson, type Gateway } from './gateway-harness.ts';
import { startDenyGateway } from './helpers/pii-deny.ts';

// A British number, a count and its unit word: the number alone is masked.
const BRITISH_COUNTS = [
  ['Please call 020 7946 0018 24 hours a day', '020 7946 0018'],
  ['Please ring 0161 496 0000 3 times', '0161 496 0000'],
  ['Please ring +44 20 7946 0018 24 hrs', '+44 20 7946 0018'],
] as const;

let gw: Gateway;
let client: OpenAI;

/** What the upstream got as the user's message for `content`, sent to the redacting model. */
async function forwarded(content: string): Promise<string> {
  const before = gw.mock.mock.requests.length;
  await client.chat.completions.create({ model: 'gpt-oss-20b', messages: [{ role: 'user', content }] });
  expect(gw.mock.mock.requests).toHaveLength(before + 1);
  return (gw.mock.mock.requests[before]!.body as { messages: Array<{ content: string }> }).messages[0]!.content;
}

async function phonesByApi(text: string): Promise<string[]> {
  const { status, json } = await postJson(gw.url, '/api/v1/classify/pii', { text });
  expect(status).toBe(200);
  return (json.entities as Array<{ type: string; value: string }>).filter((e) => e.type === 'PHONE_NUMBER').map((e) => e.value);
}

describe.skipIf(!packsAvailable())('phone numbers beside extensions and counts, every type masked', () => {
  beforeAll(async () => {
    ({ gw, client } = await startDenyGateway());
  }, 120_000);
  afterAll(() => gw?.close());

  it.each(['Sort rows 12 34 56 78 x12 ascending', 'Sort rows 12 34 56 78 ext. 12 ascending', 'Sort 12 34 56 78 90 555 1234 x12 ascending'])(
    'a list with an extension after it is no phone: %s',
    async (text) => {
      expect(await phonesByApi(text)).toEqual([]);
      expect(await forwarded(text)).toBe(text);
    },
  );

  it('a phone keeps its extension: call 555 1234 x12 now', async () => {
    expect(await phonesByApi('call 555 1234 x12 now')).toEqual(['555 1234 x12']);
    expect(await forwarded('call 555 1234 x12 now')).toBe('call <PHONE_NUMBER_1> now');
  });

  it('a phone after an extension is no list: call 555 1234 x12 555 9876 x34 now', async () => {
    const text = 'call 555 1234 x12 555 9876 x34 now';
    expect(await phonesByApi(text)).toEqual(['555 1234 x12', '555 9876 x34']);
    expect(await forwarded(text)).toBe('call <PHONE_NUMBER_1> <PHONE_NUMBER_2> now');
  });

  it.each(BRITISH_COUNTS)('a count after a British number is left out: %s', async (text, phone) => {
    expect(await phonesByApi(text)).toEqual([phone]);
    expect(await forwarded(text)).toBe(text.replace(phone, '<PHONE_NUMBER_1>'));
  });
});
