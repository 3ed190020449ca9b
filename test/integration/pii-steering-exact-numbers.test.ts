// P2's follow-ups (4e3cfc2) for a model whose pii_policy restricts what it may see:
// 1. A response_format of type structural_tag constrains decoding as guided_regex does: vLLM turns it
//    into structured_outputs.structural_tag (its begin/end texts are forced into the answer, its
//    triggers are matched against it), and a JSON schema's `pattern` is a regex the answer's value
//    must match. Both were read as unread strings and masked in place under redact (a regex forcing
//    the placeholder, a trigger the model never writes): now fixed 'never', so a denied value there
//    gets the PII response, as under block. A schema's enum/const values stay definitions: the model
//    writes them, so their placeholders come back restored (as guided_choice's).
// 2. An integer beyond 2^53 (a 19-digit card number sent as a bare JSON number) is rounded by
//    JSON.parse, and the rounded digits fail Luhn. Chat keeps such literals (exact-integers.ts), but
//    the unread walk read the kept object's digits as a string under no key: a 64-bit seed that
//    passes Luhn was refused, and under redact the placeholder was written as a bare JSON token (the
//    upstream got invalid JSON). The passed-through routes read the rounded double: the card went
//    through. Now the walk reads such a number by its literal, under its own key (a seed is a seed).
// The official openai SDK and fetch (raw JSON text, the only way to send a 19-digit number) ->
// semroute (real socket, real PII pack) -> the mock upstream, which records what it got.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { packsAvailable, type Gateway } from './gateway-harness.ts';
import { startDenyGateway } from './helpers/pii-deny.ts';

const EMAIL = 'zoe.park@example.com';
/** 19 digits, Luhn-valid; JSON.parse reads 6234567890123457000, which is not. */
const CARD19 = '6234567890123456780';
let gw: Gateway;
let client: OpenAI;
const sent = () => gw.mock.mock.requests.length;
const last = () => gw.mock.mock.requests[gw.mock.mock.requests.length - 1]!;
const ask = (body: Record<string, unknown>) => client.chat.completions.create({ model: 'gpt-oss-20b', ...body } as never).withResponse();
const hello = [{ role: 'user', content: 'What is 2+2?' }];
/** A body whose `extra` JSON text goes as written (`"x": <digits>`). */
const raw = (path: string, head: Record<string, unknown>, tail: string) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(head).slice(0, -1)},${tail}}` });
const contactTag = (begin: string) => ({
  type: 'structural_tag',
  structures: [{ begin, schema: { type: 'object', properties: { name: { type: 'string' } } }, end: '</contact>' }],
  triggers: ['<contact'],
});
const patternSchema = (pattern: string) => ({
  type: 'json_schema',
  json_schema: { name: 'reply', schema: { type: 'object', properties: { to: { type: 'string', pattern } }, required: ['to'] } },
});

describe.skipIf(!packsAvailable())('decoding constraints of response_format, and integers beyond 2^53', () => {
  beforeAll(async () => {
    ({ gw, client } = await startDenyGateway());
  }, 120_000);
  afterAll(() => gw?.close());

  it.each([
    ['a structural_tag response_format', { response_format: contactTag(`<contact to="${EMAIL}">`) }],
    ['a json_schema pattern', { response_format: patternSchema(`^(${EMAIL}|none)$`) }],
  ])('redact: personal data in %s: the PII response, nothing forwarded or rewritten', async (_name, fields) => {
    const before = sent();
    const { data, response } = await ask({ messages: hello, ...fields });
    expect(sent()).toBe(before);
    expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
    expect((data as OpenAI.ChatCompletion).choices[0]!.finish_reason).toBe('content_filter');
    expect(JSON.stringify(data)).not.toContain(EMAIL);
  });

  it('redact: a structural_tag and a pattern without personal data go as sent; an enum value is masked and restored', async () => {
    const tag = contactTag('<contact>');
    await ask({ messages: hello, response_format: tag });
    expect((last().body as { response_format: unknown }).response_format).toEqual(tag);
    const rf = patternSchema('^[A-Z]{3}-\\d{4}$');
    await ask({ messages: hello, response_format: rf });
    expect((last().body as { response_format: unknown }).response_format).toEqual(rf);
    const { response } = await ask({ messages: hello, response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { enum: [EMAIL, 'none'] } } } });
    expect(response.headers.get('x-vsr-pii-redacted')).toBe('EMAIL_ADDRESS');
    expect(last().raw).not.toContain(EMAIL);
  });

  it('chat, block: a 19-digit card number sent as a bare JSON number is refused', async () => {
    const before = sent();
    const res = await raw('/v1/chat/completions', { model: 'deepseek-v3', messages: hello }, `"extra":{"card":${CARD19}}`);
    expect(res.headers.get('x-vsr-pii-violation')).toBe('true');
    await res.text();
    expect(sent()).toBe(before);
  });

  it('chat, redact: the 19-digit number becomes its placeholder string; the upstream gets valid JSON', async () => {
    const res = await raw('/v1/chat/completions', { model: 'gpt-oss-20b', messages: hello }, `"extra":{"card":${CARD19},"n2":12345678901234567890123}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vsr-pii-redacted')).toBe('CREDIT_CARD');
    await res.text();
    const q = last();
    expect(q.raw).not.toContain(CARD19);
    const got = JSON.parse(q.raw) as { extra: Record<string, unknown> };
    expect(got.extra.card).toMatch(/^<CREDIT_CARD_\d+>$/);
    // Not a card (23 digits): as the client wrote it.
    expect(q.raw).toContain('"n2":12345678901234567890123');
  });

  it('chat, block: a 64-bit seed that passes Luhn is a seed: forwarded, digits exact', async () => {
    const res = await raw('/v1/chat/completions', { model: 'deepseek-v3', messages: hello }, `"seed":${CARD19}`);
    expect(res.headers.get('x-vsr-pii-violation')).toBeNull();
    expect(res.status).toBe(200);
    await res.text();
    expect(last().raw).toContain(`"seed":${CARD19}`);
  });

  it('/v1/completions and /v1/embeddings, block: a 19-digit card number as a bare JSON number: 400 pii_policy_denied', async () => {
    const before = sent();
    for (const [path, head] of [
      ['/v1/completions', { model: 'deepseek-v3', prompt: 'Count to five.' }],
      ['/v1/embeddings', { model: 'gpt-oss-20b', input: 'hello' }],
    ] as const) {
      const res = await raw(path, head, `"extra":[${CARD19}]`);
      const text = await res.text();
      expect(res.status, path).toBe(400);
      expect(JSON.parse(text).error.code).toBe('pii_policy_denied');
      expect(text).not.toContain(CARD19);
    }
    expect(sent()).toBe(before);
    // A seed of the same digits on /v1/completions: a seed, forwarded as sent.
    const ok = await raw('/v1/completions', { model: 'deepseek-v3', prompt: 'Count to five.' }, `"seed":${CARD19}`);
    expect(ok.status).toBe(200);
    await ok.text();
    expect(last().raw).toContain(`"seed":${CARD19}`);
  });
});
