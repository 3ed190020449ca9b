// Personal data in request fields the model does not read but the provider stores and logs: OpenAI's
// `user` (and its successor `safety_identifier`) and `metadata` values. A model whose pii_policy
// denies EMAIL_ADDRESS got `"user": "jane.doe@example.com"` as written. These fields fall under the
// policy as other request fields do: redacted in place under redact, refused under block; the
// answer is the model's as before.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoGateway, type EchoGateway } from './helpers/echo-gateway.ts';

const EMAIL = 'jane.doe@example.com';
const ask = { role: 'user' as const, content: 'Count from one to five, please.' };
const PLACEHOLDER = /^<EMAIL_ADDRESS_\d+>$/;

let g: EchoGateway;
let client: OpenAI;
beforeAll(async () => {
  g = await startEchoGateway({
    model_config: {
      'deepseek-v3': { pii_policy: { allow_by_default: false, action: 'redact', restore: true } },
      qwen3: { pii_policy: { allow_by_default: false, action: 'block' } },
    },
  });
  client = new OpenAI({ baseURL: `${g.gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
}, 120_000);
afterAll(() => g?.close());

function reset(): void {
  g.echo.raw.length = 0;
  g.echo.bodies.length = 0;
}

describe('user, safety_identifier and metadata under a policy that denies e-mail addresses', () => {
  it('redact: each is masked in place, the answer is unaffected', async () => {
    reset();
    const { data, response } = await client.chat.completions
      .create({ model: 'deepseek-v3', messages: [ask], user: EMAIL, safety_identifier: EMAIL, metadata: { owner: `mail ${EMAIL}`, team: 'ops' }, store: true } as never)
      .withResponse();
    expect(g.echo.raw).toHaveLength(1);
    expect(g.echo.raw[0]).not.toContain(EMAIL);
    const body = g.echo.bodies[0]!;
    expect(body.user).toMatch(PLACEHOLDER);
    expect(body.safety_identifier).toBe(body.user);
    expect(body.metadata).toEqual({ owner: `mail ${body.user}`, team: 'ops' });
    // The question reached the model as written, and its answer came back.
    expect(body.messages).toEqual([ask]);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vsr-pii-redacted')).toContain('EMAIL_ADDRESS');
    expect((data as OpenAI.ChatCompletion).choices[0]!.message.content).toBeTruthy();
  });

  it('block: refused, nothing forwarded', async () => {
    reset();
    const { data, response } = await client.chat.completions.create({ model: 'qwen3', messages: [ask], user: EMAIL }).withResponse();
    expect(g.echo.raw).toHaveLength(0);
    expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
    expect(data.choices[0]!.finish_reason).toBe('content_filter');
  });

  it('passed-through routes (/v1/completions, /v1/responses): refused 400 pii_policy_denied, nothing forwarded', async () => {
    for (const [path, body] of [
      ['/v1/completions', { model: 'deepseek-v3', prompt: 'Count from one to five.', user: EMAIL }],
      ['/v1/responses', { model: 'deepseek-v3', input: 'Count from one to five.', metadata: { owner: EMAIL } }],
    ] as const) {
      reset();
      const res = await fetch(`${g.gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      expect(res.status, path).toBe(400);
      expect(text).toContain('pii_policy_denied');
      expect(text).not.toContain(EMAIL);
      expect(g.echo.raw).toHaveLength(0);
    }
  });

  it('no personal data there: forwarded as sent', async () => {
    reset();
    await client.chat.completions.create({ model: 'qwen3', messages: [ask], user: 'user-1234', metadata: { team: 'ops' } });
    expect(g.echo.bodies[0]).toMatchObject({ user: 'user-1234', metadata: { team: 'ops' } });
  });
});
