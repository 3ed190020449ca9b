// A passed-through JSON body that is a bare string, for a gateway where some pii_policy restricts:
// it names no model, so every restricting policy applies (passthrough-guard.ts), and unread-strings.ts
// reads every string no reader covers. A list body's strings were read, a bare string's were not
// (the walk skipped a top-level string), so `"mail zoe.park@example.com"` went to the engine as sent,
// whose 400 for it (a body that is no object) puts the bytes in its logs like an unknown key's.
// fetch -> semroute (real socket, real PII pack) -> the mock upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const EMAIL = 'zoe.park@example.com';
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: (port) =>
      testConfig(
        { model_config: { ...testConfig().model_config, 'deepseek-v3': { pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'block' } } } },
        [{ name: 'production-stack', address: '127.0.0.1', port }],
      ),
  });
}, 120_000);
afterAll(() => gw?.close());

const post = (path: string, body: string) => fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('a bare JSON body with personal data, while a pii_policy restricts', () => {
  for (const [what, body] of [
    ['a list', JSON.stringify([`mail ${EMAIL}`])],
    ['a string', JSON.stringify(`mail ${EMAIL}`)],
  ] as const) {
    it(`${what}: read, 400 pii_policy_denied, not forwarded`, async () => {
      const res = await post('/v1/responses', body);
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(JSON.parse(text).error.code).toBe('pii_policy_denied');
      expect(text).not.toContain(EMAIL);
    });
  }

  it('a bare string without personal data goes on (the engine answers it)', async () => {
    const res = await post('/v1/responses', JSON.stringify('What is 2+2?'));
    const text = await res.text();
    expect(text).not.toContain('pii_policy_denied');
    // The mock serves no /v1/responses: its 404 says the body went on.
    expect(res.status).toBe(404);
    expect(JSON.parse(text).error.message).toBe('Not Found');
  });
});
