// A count right after a complete North American number is no part of it: "call 415 555 2671 24 hours a
// day" had "415 555 2671 24" masked (the phone shape takes up to six groups), so the model was told
// "call <PHONE_NUMBER_1> hours a day"; "1 415 555 2671 7 days a week" read as a list of five groups and
// reached a model that may not see phone numbers unmasked. A NANP number is 10 digits (11 with a
// leading 1): a trailing 1-2 digit group before a time or unit word is left out of the span.
// fetch -> semroute (real socket, real packs) -> the echo upstream, which records what it received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from './gateway-harness.ts';
import { postChat, startEchoGateway, type EchoGateway } from './helpers/echo-gateway.ts';

// Every type but PHONE_NUMBER allowed: what is masked is the phone reading alone.
const OTHERS = ['PERSON', 'TITLE', 'ORGANIZATION', 'GPE', 'STREET_ADDRESS', 'DATE_TIME', 'EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'DOMAIN_NAME', 'AGE', 'NRP', 'ZIP_CODE', 'US_DRIVER_LICENSE'];
const REDACT = 'deepseek-v3';

let g: EchoGateway;
beforeAll(async () => {
  g = await startEchoGateway({ model_config: { [REDACT]: { pii_policy: { allow_by_default: false, pii_types_allowed: OTHERS, action: 'redact' } } } });
}, 120_000);
afterAll(() => g?.close());

async function redacted(content: string) {
  const before = g.echo.bodies.length;
  const res = await postChat(g.gw, { model: REDACT, messages: [{ role: 'user', content }] });
  expect(res.status).toBe(200);
  await res.text();
  expect(g.echo.bodies.length).toBe(before + 1);
  return { got: g.echo.bodies[before]!.messages[0].content as string, header: res.headers.get('x-vsr-pii-redacted') };
}

const phonesByApi = async (text: string) => {
  const { status, json } = await postJson(g.gw.url, '/api/v1/classify/pii', { text });
  expect(status).toBe(200);
  return (json.entities as Array<{ type: string; value: string }>).filter((e) => e.type === 'PHONE_NUMBER').map((e) => e.value);
};

describe('a count after a North American number under a policy that masks PHONE_NUMBER', () => {
  it.each([
    ['call 415 555 2671 24 hours a day', '415 555 2671'],
    ['Call 1 415 555 2671 7 days a week', '1 415 555 2671'],
    ['ring +1 415 555 2671 24 hrs', '+1 415 555 2671'],
    ['phone (415) 555 2671 10 am to 6 pm', '(415) 555 2671'],
    ['text me on 415 555 2671 3 times', '415 555 2671'],
    ['Our helpline 415 555 2671 24-hour service', '415 555 2671'],
  ])('only the number is masked: %s', async (text, phone) => {
    expect(await phonesByApi(text)).toEqual([phone]);
    const r = await redacted(text);
    expect(r.got).toBe(text.replace(phone, '<PHONE_NUMBER_1>'));
    expect(r.header).toBe('PHONE_NUMBER');
  });

  // No time or unit word after the group: the phone shape's reading stands.
  it('keeps a trailing group that no unit word follows: call 415 555 2671 24', async () => {
    const text = 'call 415 555 2671 24';
    expect(await phonesByApi(text)).toEqual(['415 555 2671 24']);
    expect((await redacted(text)).got).toBe('call <PHONE_NUMBER_1>');
  });
});
