// Bare 10-digit phone numbers through the real gateway: a phone label after the number ("4155552671
// is my cell") or a valid North American number with nothing around it ("It's Dana. 4155552671") was
// scored 0.4, under the 0.7 cut, so /api/v1/classify/pii reported nothing and a model whose pii_policy
// denies PHONE_NUMBER received the number. Ids, timestamps and amounts stay unmasked.
// fetch -> semroute (real socket, real packs) -> the echo upstream, which records what it received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from './gateway-harness.ts';
import { postChat, startEchoGateway, type EchoGateway } from './helpers/echo-gateway.ts';

// Every type but PHONE_NUMBER allowed: what is masked is the phone recognizer's doing alone.
const OTHERS = ['PERSON', 'TITLE', 'ORGANIZATION', 'GPE', 'STREET_ADDRESS', 'DATE_TIME', 'EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'DOMAIN_NAME', 'AGE', 'NRP', 'ZIP_CODE', 'US_DRIVER_LICENSE'];
const MODEL = 'deepseek-v3';

let g: EchoGateway;
beforeAll(async () => {
  g = await startEchoGateway({ model_config: { [MODEL]: { pii_policy: { allow_by_default: false, pii_types_allowed: OTHERS, action: 'redact' } } } });
}, 120_000);
afterAll(() => g?.close());

/** What the upstream received as the user's message, and the redaction header. */
async function forwarded(content: string): Promise<{ got: string; redacted: string | null }> {
  const before = g.echo.bodies.length;
  const res = await postChat(g.gw, { model: MODEL, messages: [{ role: 'user', content }] });
  expect(res.status).toBe(200);
  await res.text();
  expect(g.echo.bodies).toHaveLength(before + 1);
  return { got: g.echo.bodies[before]!.messages[0].content, redacted: res.headers.get('x-vsr-pii-redacted') };
}

const phonesByApi = async (text: string) => {
  const { status, json } = await postJson(g.gw.url, '/api/v1/classify/pii', { text });
  expect(status).toBe(200);
  return (json.entities as Array<{ type: string; value: string }>).filter((e) => e.type === 'PHONE_NUMBER').map((e) => e.value);
};

describe('bare phone numbers under a policy that denies PHONE_NUMBER', () => {
  it.each([
    ['Hi, 4155552671 is my cell, text me after five.', '4155552671'],
    ["It's Dana. 4155552671", '4155552671'],
    ['Bob here, 14155552671, ring back tonight', '14155552671'],
  ])('found by /api/v1/classify/pii and masked before the model: %s', async (text, phone) => {
    expect(await phonesByApi(text)).toEqual([phone]);
    const { got, redacted } = await forwarded(text);
    expect(got).toBe(text.replace(phone, '<PHONE_NUMBER_1>'));
    expect(redacted).toBe('PHONE_NUMBER');
  });

  it.each([
    'Order #4155552671 shipped on time, invoice no. 2125550123 is paid.',
    'The job logged 1733600000 and created_at: 2033600000 in the record.',
    'We spent $4155552671 in total, and the file is 2125550123 bytes.',
    'Is 4155552671 prime, and is 2147483647 the largest int32?',
    '{"user_id": 4155552671, "ticket": "ref_2125550123"}',
  ])('numbers that are no phone pass as sent: %s', async (text) => {
    expect(await phonesByApi(text)).toEqual([]);
    const { got, redacted } = await forwarded(text);
    expect(got).toBe(text);
    expect(redacted).toBeNull();
  });
});
