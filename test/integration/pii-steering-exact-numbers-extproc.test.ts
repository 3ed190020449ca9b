// pii-steering-exact-numbers.test.ts behind Envoy: ext_proc runs the same PII stage (chat) and
// passthrough guard (/v1/completions) as the HTTP gateway. A 19-digit card number sent as a bare JSON
// number (JSON.parse rounds it to digits that fail Luhn) is masked as a placeholder string in the body
// Envoy forwards (valid JSON), refused on /v1/completions; a structural_tag response_format or a
// schema's pattern holding an address under redact gets the PII response instead of a body rewritten.
// Real gRPC, real PII pack, Envoy played message by message; the body goes as raw JSON text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import type { RealExtProc } from './helpers/extproc-real-pipeline.ts';
import { sendThroughExtProc, startDenyExtProc } from './helpers/pii-deny.ts';

const EMAIL = 'zoe.park@example.com';
/** 19 digits, Luhn-valid; JSON.parse reads 6234567890123457000, which is not. */
const CARD19 = '6234567890123456780';
const hello = [{ role: 'user', content: 'What is 2+2?' }];
let ext: RealExtProc;

/** `head` as JSON with `tail` (raw JSON members) appended. */
/** The body as raw JSON text: `head`'s fields, then `tail` as written. */
const send = (path: string, head: Record<string, unknown>, tail: string): Promise<any> =>
  sendThroughExtProc(ext, path, `${JSON.stringify(head).slice(0, -1)},${tail}}`, `exact-${path}`);
const answer = (b: any) => Buffer.from(b.immediate_response.body).toString();

describe.skipIf(!packsAvailable())('ext_proc: integers beyond 2^53 and response_format constraints', () => {
  beforeAll(async () => {
    ext = await startDenyExtProc();
  }, 120_000);
  afterAll(() => ext?.close());

  it('chat, redact: the 19-digit number is masked as a placeholder string, the body stays valid JSON, a seed as sent', async () => {
    const b = await send('/v1/chat/completions', { model: 'gpt-oss-20b', messages: hello }, `"seed":${CARD19},"extra":{"card":${CARD19}}`);
    expect(b.response).toBe('request_body');
    const sent = Buffer.from(b.request_body.response.body_mutation.body).toString();
    expect(JSON.parse(sent).extra.card).toMatch(/^<CREDIT_CARD_\d+>$/);
    expect(sent).toContain(`"seed":${CARD19}`);
    expect(sent.split(CARD19).length).toBe(2);
  });

  it('/v1/completions, block: the 19-digit number is refused (400 pii_policy_denied)', async () => {
    const b = await send('/v1/completions', { model: 'deepseek-v3', prompt: 'Count to five.' }, `"extra":[${CARD19}]`);
    expect(b.response).toBe('immediate_response');
    const text = answer(b);
    expect(JSON.parse(text).error.code).toBe('pii_policy_denied');
    expect(text).not.toContain(CARD19);
  });

  it.each([
    ['a structural_tag response_format', `"response_format":{"type":"structural_tag","structures":[{"begin":"<to>${EMAIL}","schema":{},"end":"</to>"}],"triggers":["<to>"]}`],
    ['a schema pattern', `"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"string","pattern":"^${EMAIL}$"}}}`],
  ])('chat, redact: an address in %s gets the PII response, nothing rewritten', async (_name, tail) => {
    const b = await send('/v1/chat/completions', { model: 'gpt-oss-20b', messages: hello }, tail);
    expect(b.response).toBe('immediate_response');
    const text = answer(b);
    expect(JSON.parse(text).choices[0].finish_reason).toBe('content_filter');
    expect(text).not.toContain(EMAIL);
  });
});
