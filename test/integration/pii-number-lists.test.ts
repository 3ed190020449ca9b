// Spaced number lists through the real gateway: "rows 12 34 56 78 90", lottery numbers, "scores: 415 555
// 2671 308 912" were read as phone numbers (the recognizer took up to six digit groups of any size, and
// "numbers" counted as a phone word), so a model whose pii_policy denies PHONE_NUMBER got the list
// masked (redact) or the request refused (block). Spaced phones stay phones.
// fetch -> semroute (real socket, real packs) -> the echo upstream, which records what it received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from './gateway-harness.ts';
import { postChat, startEchoGateway, type EchoGateway } from './helpers/echo-gateway.ts';

// Every type but PHONE_NUMBER allowed: what is masked is the phone reading alone.
const OTHERS = ['PERSON', 'TITLE', 'ORGANIZATION', 'GPE', 'STREET_ADDRESS', 'DATE_TIME', 'EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'DOMAIN_NAME', 'AGE', 'NRP', 'ZIP_CODE', 'US_DRIVER_LICENSE'];
const REDACT = 'deepseek-v3';
const BLOCK = 'gpt-oss-20b';

let g: EchoGateway;
beforeAll(async () => {
  const policy = (action: string) => ({ pii_policy: { allow_by_default: false, pii_types_allowed: OTHERS, action } });
  g = await startEchoGateway({ model_config: { [REDACT]: policy('redact'), [BLOCK]: policy('block') } });
}, 120_000);
afterAll(() => g?.close());

async function send(model: string, content: string) {
  const before = g.echo.bodies.length;
  const res = await postChat(g.gw, { model, messages: [{ role: 'user', content }] });
  expect(res.status).toBe(200);
  await res.text();
  const sent = g.echo.bodies.length > before ? g.echo.bodies[before]! : undefined;
  return { got: sent?.messages[0].content as string | undefined, redacted: res.headers.get('x-vsr-pii-redacted'), violation: res.headers.get('x-vsr-pii-violation') };
}

const phonesByApi = async (text: string) => {
  const { status, json } = await postJson(g.gw.url, '/api/v1/classify/pii', { text });
  expect(status).toBe(200);
  return (json.entities as Array<{ type: string; value: string }>).filter((e) => e.type === 'PHONE_NUMBER').map((e) => e.value);
};

describe('spaced number lists under a policy that denies PHONE_NUMBER', () => {
  it.each([
    'rows 12 34 56 78 90 need fixing',
    'Lottery numbers this week: 04 11 23 35 42 49, bonus 17',
    'my lucky numbers are 7 14 21 28 35 42',
    'Please sort: 91 23 45 12 88 7 64',
    'sum the list 1 2 3 4 5 6 7 8 9 10 11 12',
    'scores: 88 92 75 64 99 81',
    'scores: 415 555 2671 308 912',
    'scores: 415 555 2671',
  ])('forwarded as sent, by redact and by block: %s', async (text) => {
    expect(await phonesByApi(text)).toEqual([]);
    const r = await send(REDACT, text);
    expect(r.got).toBe(text);
    expect(r.redacted).toBeNull();
    const b = await send(BLOCK, text);
    expect(b.got).toBe(text);
    expect(b.violation).toBeNull();
  });

  it.each([
    ['(415) 555 2671', '(415) 555 2671'],
    ['415 555 2671 is my cell', '415 555 2671'],
    ['call me at 415 555 2671', '415 555 2671'],
    ['call me on 06 12 34 56 78 tonight', '06 12 34 56 78'],
    ['Reach Anna at 0490 75 40 81.', '0490 75 40 81'],
    ['Text me: +33 6 12 34 56 78', '+33 6 12 34 56 78'],
  ])('a spaced phone is still masked, and refused under block: %s', async (text, phone) => {
    expect(await phonesByApi(text)).toEqual([phone]);
    const r = await send(REDACT, text);
    expect(r.got).toBe(text.replace(phone, '<PHONE_NUMBER_1>'));
    expect(r.redacted).toBe('PHONE_NUMBER');
    const b = await send(BLOCK, text);
    expect(b.got).toBeUndefined();
    expect(b.violation).toBe('true');
  });
});
