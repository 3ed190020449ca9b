// Strings under keys no reader covers, behind Envoy: ext_proc runs the same PII stage (chat) and the
// same passthrough guard (/v1/embeddings) as the HTTP gateway, so a misspelled key's e-mail address is
// masked in the body it lets on, or the request is refused (pii-unread-keys.test.ts has the gateway's).
// Real gRPC, real PII pack, Envoy played message by message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, realClassifiers, testConfig } from './gateway-harness.ts';
import { requestBody, requestHeaders } from './helpers/envoy-client.ts';
import { startRealExtProc } from './helpers/extproc-real-pipeline.ts';

const EMAIL = 'zoe.park@example.com';
const deny = (action: string) => ({ pii_policy: { allow_by_default: false, pii_types_allowed: [], action, restore: true } });
let ext: Awaited<ReturnType<typeof startRealExtProc>>;

beforeAll(async () => {
  const config = testConfig(
    { model_config: { ...testConfig().model_config, 'gpt-oss-20b': deny('redact'), 'deepseek-v3': deny('block') } },
    [{ name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1 }],
  );
  ext = await startRealExtProc(config, { classifiers: await realClassifiers(), logger: captureLogger(), noCache: true });
}, 120_000);
afterAll(() => ext?.close());

async function send(path: string, body: unknown): Promise<any> {
  const s = ext.envoy.open();
  const h = (await s.send(requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', 'content-type': 'application/json', 'x-request-id': `unread-${path}` }))) as any;
  const b = h.response === 'immediate_response' ? h : await s.send(requestBody(JSON.stringify(body)));
  s.end();
  return b;
}

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
