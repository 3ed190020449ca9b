// Personal data a body carries outside string values, for a model whose pii_policy restricts it: an
// e-mail address as a KEY NAME ({"metadata": {"zoe.park@example.com": 1}}) or a card number sent as a
// JSON NUMBER ({"extra": {"card": 4111111111111111}}). f833763 read every string value no reader
// covers, but not key names or numbers: both reached deepseek-v3 (deny, block) and gpt-oss-20b
// (deny, redact) as sent, and the passed-through routes forwarded them. Now key names that are not
// plain identifiers, and integers of 7 digits or more (under keys other than sampling fields such as
// `seed`), are read with the unread strings. Under redact a number is masked (a placeholder string in
// its place: no engine reads a number under a key it does not know), but a key name is never
// rewritten (a renamed property breaks a schema, a metadata key is the application's name): a key
// holding a denied type is refused with the PII response, as under block.
// The official openai SDK and fetch -> semroute (real socket, real PII pack) -> the mock upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { packsAvailable, type Gateway } from './gateway-harness.ts';
import { startDenyGateway } from './helpers/pii-deny.ts';

const EMAIL = 'zoe.park@example.com';
const CARD = 4111111111111111;
let gw: Gateway;
let client: OpenAI;
const sent = () => gw.mock.mock.requests.length;
const last = () => gw.mock.mock.requests[gw.mock.mock.requests.length - 1]!;
const ask = (body: Record<string, unknown>) => client.chat.completions.create(body as never).withResponse();
const post = (path: string, body: unknown) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const hello = [{ role: 'user', content: 'What is 2+2?' }];

describe.skipIf(!packsAvailable())('key names and numbers no reader covers, for a restricted model', () => {
  beforeAll(async () => {
    ({ gw, client } = await startDenyGateway());
  }, 120_000);
  afterAll(() => gw?.close());

  it.each([
    ['a metadata key', { metadata: { [EMAIL]: 'yes' } }],
    ['an unknown nested key', { extra: { contacts: [{ [EMAIL]: 1 }] } }],
  ])('chat, block: an e-mail address as %s is read, the request refused', async (_name, extra) => {
    const before = sent();
    const { data, response } = await ask({ model: 'deepseek-v3', messages: hello, ...extra });
    expect(sent()).toBe(before);
    expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
    expect((data as OpenAI.ChatCompletion).choices[0]!.finish_reason).toBe('content_filter');
  });

  it('chat, redact: a key name holding a denied type is not rewritten; the request is refused as under block', async () => {
    const before = sent();
    const { data, response } = await ask({ model: 'gpt-oss-20b', messages: hello, extra: { [EMAIL]: 1 } });
    expect(sent()).toBe(before);
    expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
    expect(JSON.stringify(data)).not.toContain(EMAIL);
  });

  it('chat, block: a card number sent as a JSON number is read, the request refused', async () => {
    const before = sent();
    const { response } = await ask({ model: 'deepseek-v3', messages: hello, extra: { card: CARD } });
    expect(sent()).toBe(before);
    expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
  });

  it('chat, redact: the number is replaced by its placeholder, the rest goes as sent', async () => {
    const { response } = await ask({ model: 'gpt-oss-20b', messages: hello, max_tokens: 50, extra: { card: CARD, count: 3 } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vsr-pii-redacted')).toBe('CREDIT_CARD');
    const q = last();
    expect(q.raw).not.toContain(String(CARD));
    const got = q.body as { extra: Record<string, unknown>; max_tokens: number; messages: unknown };
    expect(got.extra.card).toMatch(/^<CREDIT_CARD_\d+>$/);
    expect(got.extra.count).toBe(3);
    expect(got.max_tokens).toBe(50);
    expect(got.messages).toEqual(hello);
  });

  it('/v1/completions and /v1/embeddings: a key name or a number holding personal data: 400 pii_policy_denied, nothing forwarded', async () => {
    const before = sent();
    for (const [path, body] of [
      ['/v1/completions', { model: 'deepseek-v3', prompt: 'Count to five.', extra: { [EMAIL]: true } }],
      ['/v1/completions', { model: 'deepseek-v3', prompt: 'Count to five.', extra: { card: CARD } }],
      ['/v1/embeddings', { model: 'gpt-oss-20b', input: 'hello', metadata: { [EMAIL]: 'x' } }],
      ['/v1/embeddings', { model: 'gpt-oss-20b', input: 'hello', extra: [CARD] }],
    ] as const) {
      const res = await post(path, body);
      const text = await res.text();
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(JSON.parse(text).error.code).toBe('pii_policy_denied');
      expect(text).not.toContain(EMAIL);
    }
    expect(sent()).toBe(before);
  });

  it('ordinary keys and numbers, a seed, or an unrestricted model: forwarded as sent', async () => {
    const body = {
      model: 'deepseek-v3', messages: hello, temperature: 0.2, max_tokens: 64, seed: CARD, logit_bias: { '50256': -100 },
      metadata: { order_id: 'A-1', 'x-trace.id': 't1' }, extra: { count: 12345678 },
    };
    const { response } = await ask(body);
    expect(response.headers.get('x-vsr-pii-violation')).toBeNull();
    expect(last().body).toMatchObject({ seed: CARD, metadata: body.metadata, extra: body.extra, logit_bias: body.logit_bias });
    await ask({ model: 'qwen3', messages: hello, extra: { [EMAIL]: CARD } });
    expect(last().raw).toContain(EMAIL);
    expect(last().raw).toContain(String(CARD));
  });
});
