// Found by mutation audit 6 of 9990101 (unit-counts.ts completeNumber): a British number written with
// pairs at its end and a count after it ("ring 0161 496 00 00 12 hours a day") was not found at all.
// completeNumber took only a number ending in a group of 3+, so the count stayed a group of the run,
// the run read as a list of numbers, and the phone went to the model unmasked under a policy denying
// phones (without the count, "ring 0161 496 00 00 please", it was masked). Through the real gateway,
// every type masked: the openai SDK -> semroute (real packs) -> its mock upstream, which records the body.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packsAvailable, postJson, type Gateway } from './gateway-harness.ts';
import { startDenyGateway } from './helpers/pii-deny.ts';

let gw: Gateway;
let client: OpenAI;

describe.skipIf(!packsAvailable())('a count after a British number written in pairs, every type masked', () => {
  beforeAll(async () => {
    ({ gw, client } = await startDenyGateway());
  }, 120_000);
  afterAll(() => gw?.close());

  it.each([
    ['Please ring 0161 496 00 00 12 hours a day', '0161 496 00 00'],
    ['Please call 0688 872 49 99 7 days a week', '0688 872 49 99'],
    ['Please ring +44 161 496 00 00 24 hrs', '+44 161 496 00 00'],
  ])('%s: the number is masked, the count is not', async (text, phone) => {
    const { status, json } = await postJson(gw.url, '/api/v1/classify/pii', { text });
    expect(status).toBe(200);
    expect((json.entities as Array<{ type: string; value: string }>).filter((e) => e.type === 'PHONE_NUMBER').map((e) => e.value)).toEqual([phone]);
    const before = gw.mock.mock.requests.length;
    await client.chat.completions.create({ model: 'gpt-oss-20b', messages: [{ role: 'user', content: text }] });
    expect((gw.mock.mock.requests[before]!.body as { messages: Array<{ content: string }> }).messages[0]!.content).toBe(text.replace(phone, '<PHONE_NUMBER_1>'));
  });
});
