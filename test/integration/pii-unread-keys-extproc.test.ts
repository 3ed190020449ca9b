// Strings under keys no reader covers, behind Envoy: ext_proc runs the same PII stage (chat) and the
// same passthrough guard (/v1/embeddings) as the HTTP gateway, so a misspelled key's e-mail address is
// masked in the body it lets on, or the request is refused (pii-unread-keys.test.ts has the gateway's).
// Real gRPC, real PII pack, Envoy played message by message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealExtProc } from './helpers/extproc-real-pipeline.ts';
import { sendThroughExtProc, startDenyExtProc } from './helpers/pii-deny.ts';

const EMAIL = 'zoe.park@example.com';
let ext: RealExtProc;

beforeAll(async () => {
  ext = await startDenyExtProc();
}, 120_000);
afterAll(() => ext?.close());

const send = (path: string, body: unknown): Promise<any> => sendThroughExtProc(ext, path, JSON.stringify(body), `unread-${path}`);

describe('ext_proc reads strings under unknown keys for a restricted model', () => {
  it('chat, redact: the misspelled key is masked in the body Envoy forwards', async () => {
    const b = await send('/v1/chat/completions', { model: 'gpt-oss-20b', messages: [{ role: 'user', conTent: `mail ${EMAIL}` }, { role: 'user', content: 'What is 2+2?' }] });
    expect(b.response).toBe('request_body');
    const sent = Buffer.from(b.request_body.response.body_mutation.body).toString();
    expect(sent).not.toContain(EMAIL);
    expect(JSON.parse(sent).messages[0].conTent).toMatch(/^mail <EMAIL_ADDRESS_\d+>$/);
  });

  it('/v1/embeddings, block: a misspelled input key is refused (400 pii_policy_denied)', async () => {
    const b = await send('/v1/embeddings', { model: 'deepseek-v3', inpwt: `mail ${EMAIL}`, input: 'hello' });
    expect(b.response).toBe('immediate_response');
    const body = Buffer.from(b.immediate_response.body).toString();
    expect(JSON.parse(body).error.code).toBe('pii_policy_denied');
    expect(body).not.toContain(EMAIL);
  });
});
