// Key names, long integers and decoding fields behind Envoy: ext_proc runs the same PII stage (chat)
// and passthrough guard (/v1/completions) as the HTTP gateway (pii-unread-names-numbers.test.ts and
// pii-redact-steering.test.ts have the gateway's). A card number sent as a JSON number is masked in
// the body Envoy forwards; an e-mail address as a key name, or in a guided_regex, under redact gets
// the PII response instead of a body rewritten. Real gRPC, real PII pack, Envoy played message by message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import type { RealExtProc } from './helpers/extproc-real-pipeline.ts';
import { sendThroughExtProc, startDenyExtProc } from './helpers/pii-deny.ts';

const EMAIL = 'zoe.park@example.com';
const CARD = 4111111111111111;
const hello = [{ role: 'user', content: 'What is 2+2?' }];
let ext: RealExtProc;

const send = (path: string, body: unknown): Promise<any> => sendThroughExtProc(ext, path, JSON.stringify(body), `names-${path}`);
const answer = (b: any) => Buffer.from(b.immediate_response.body).toString();

describe.skipIf(!packsAvailable())('ext_proc reads key names and numbers, and keeps decoding fields whole', () => {
  beforeAll(async () => {
    ext = await startDenyExtProc();
  }, 120_000);
  afterAll(() => ext?.close());

  it('chat, redact: a card number sent as a number is masked in the body Envoy forwards', async () => {
    const b = await send('/v1/chat/completions', { model: 'gpt-oss-20b', messages: hello, extra: { card: CARD } });
    expect(b.response).toBe('request_body');
    const sent = Buffer.from(b.request_body.response.body_mutation.body).toString();
    expect(sent).not.toContain(String(CARD));
    expect(JSON.parse(sent).extra.card).toMatch(/^<CREDIT_CARD_\d+>$/);
  });

  it.each([
    ['a key name', { extra: { [EMAIL]: 1 } }],
    ['a guided_regex', { guided_regex: `(yes|no), write to ${EMAIL}` }],
  ])('chat, redact: an address in %s gets the PII response, nothing rewritten', async (_name, fields) => {
    const b = await send('/v1/chat/completions', { model: 'gpt-oss-20b', messages: hello, ...fields });
    expect(b.response).toBe('immediate_response');
    const text = answer(b);
    expect(JSON.parse(text).choices[0].finish_reason).toBe('content_filter');
    expect(text).not.toContain(EMAIL);
  });

  it('/v1/completions, block: a key name holding an address is refused (400 pii_policy_denied)', async () => {
    const b = await send('/v1/completions', { model: 'deepseek-v3', prompt: 'Count to five.', extra: { [EMAIL]: true } });
    expect(b.response).toBe('immediate_response');
    expect(JSON.parse(answer(b)).error.code).toBe('pii_policy_denied');
  });
});
