// Personal data under a key no reader knows, sent to a model whose pii_policy restricts it: a
// misspelled `conTent`, an `inpwt` on /v1/embeddings, any unknown field at any depth, or a key whose
// bytes are not UTF-8. vLLM ignores or refuses such a key, so no model reads it, but the bytes reach
// the engine and its logs (the reason `user` and `metadata` are scanned). They were forwarded as sent
// (findings.md s14 U). Now every string no reader covers is scanned too (block refuses, redact masks
// in place), and a passed-through body that is not UTF-8 gets chat's 400 (it cannot be scanned
// faithfully). An unrestricted model gets all of it as sent.
// The official openai SDK and fetch -> semroute (real socket, real PII pack) -> the mock upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import { startDenyGateway } from './helpers/pii-deny.ts';

const EMAIL = 'zoe.park@example.com';
let gw: Gateway;
let client: OpenAI;
const sent = () => gw.mock.mock.requests.length;
const last = () => gw.mock.mock.requests[gw.mock.mock.requests.length - 1]!;

beforeAll(async () => {
  ({ gw, client } = await startDenyGateway());
}, 120_000);
afterAll(() => gw?.close());

const post = (path: string, body: string | Uint8Array<ArrayBuffer>) => fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('strings under keys no reader covers, for a restricted model', () => {
  it('chat, block: a misspelled content key is read, the request refused', async () => {
    const before = sent();
    const messages = [{ role: 'user', conTent: `mail ${EMAIL}` }, { role: 'user', content: 'What is 2+2?' }];
    const { data, response } = await client.chat.completions.create({ model: 'deepseek-v3', messages } as never).withResponse();
    expect(sent()).toBe(before);
    expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
    expect((data as OpenAI.ChatCompletion).choices[0]!.finish_reason).toBe('content_filter');
  });

  it('chat, redact: unknown keys at any depth are masked in place, the rest goes as sent', async () => {
    const messages = [{ role: 'user', conTent: `mail ${EMAIL}` }, { role: 'user', content: 'What is 2+2?' }];
    const body = { model: 'gpt-oss-20b', messages, extra_notes: { deep: [{ who: EMAIL }] } };
    const r = await client.chat.completions.create(body as never).withResponse();
    expect(r.response.status).toBe(200);
    const q = last();
    expect(q.model).toBe('gpt-oss-20b');
    expect(q.raw).not.toContain(EMAIL);
    const got = q.body as { messages: Array<Record<string, string>>; extra_notes: { deep: Array<{ who: string }> } };
    expect(got.messages[0]!.conTent).toMatch(/^mail <EMAIL_ADDRESS_\d+>$/);
    expect(got.extra_notes.deep[0]!.who).toMatch(/^<EMAIL_ADDRESS_\d+>$/);
    expect(got.messages[1]).toEqual({ role: 'user', content: 'What is 2+2?' });
  });

  it('chat, redact: the same text under a read key and an unread one is masked in both', async () => {
    const messages = [{ role: 'user', content: `mail ${EMAIL}`, conTent: `mail ${EMAIL}` }];
    await client.chat.completions.create({ model: 'gpt-oss-20b', messages } as never);
    const q = last();
    expect(q.raw).not.toContain(EMAIL);
    const m = (q.body as { messages: Array<Record<string, string>> }).messages[0]!;
    expect(m.conTent).toBe(m.content);
  });

  it('/v1/embeddings: a misspelled input key is read, 400 pii_policy_denied, nothing forwarded', async () => {
    const before = sent();
    const res = await post('/v1/embeddings', JSON.stringify({ model: 'deepseek-v3', inpwt: `mail ${EMAIL}`, input: 'hello' }));
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).toContain('pii_policy_denied');
    expect(text).not.toContain(EMAIL);
    expect(sent()).toBe(before);
  });

  it('/v1/completions: an unknown nested field is read too', async () => {
    const before = sent();
    const res = await post('/v1/completions', JSON.stringify({ model: 'deepseek-v3', prompt: 'Count to five.', extra: { note: [EMAIL] } }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('pii_policy_denied');
    expect(sent()).toBe(before);
  });

  it('a passed-through body that is not UTF-8: 400 invalid_json for a restricted model, as sent for another', async () => {
    // `"input\xc0\xaf"`: an overlong encoding, read leniently as "input\uFFFD", an unknown key.
    const bytes = (model: string) => {
      const head = new TextEncoder().encode(`{"model":"${model}","input`);
      const tail = new TextEncoder().encode(`":"mail ${EMAIL}"}`);
      return new Uint8Array([...head, 0xc0, 0xaf, ...tail]) as Uint8Array<ArrayBuffer>;
    };
    const before = sent();
    const res = await post('/v1/embeddings', bytes('deepseek-v3'));
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text).error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' });
    expect(text).not.toContain(EMAIL);
    expect(sent()).toBe(before);
    await (await post('/v1/embeddings', bytes('qwen3'))).text();
    expect(sent()).toBe(before + 1);
    expect(last().model).toBe('qwen3');
  });

  it('no personal data in unknown keys, or an unrestricted model: forwarded as sent', async () => {
    const body = { model: 'deepseek-v3', messages: [{ role: 'user', content: 'What is 2+2?', conTent: 'a typo' }], stop: ['END'], extra_notes: { team: 'ops' } };
    await client.chat.completions.create(body as never);
    expect(last().body).toMatchObject({ messages: body.messages, extra_notes: { team: 'ops' } });
    await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', conTent: `mail ${EMAIL}`, content: 'hi' }] } as never);
    expect(last().raw).toContain(EMAIL);
  });
});
