// /invocations (vLLM's SageMaker route, when an operator lists it) serves a chat body as sent, so the
// PII policy must read what chat's does: it read message contents only, and an e-mail address in a
// participant's name, an assistant's reasoning_content or tool-call arguments, a RAG document or a
// chat_template_kwargs string reached the model the policy keeps it from (chat redacts or blocks all
// of those: redaction.ts, template-texts.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const EMAIL = 'jane.doe@example.com';
let seen: string[] = [];
let upstream: http.Server;
let gw: Gateway;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"x","object":"chat.completion","choices":[]}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const ep = [{ name: 'production-stack', address: '127.0.0.1', port: (upstream.address() as AddressInfo).port, weight: 1 }];
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: () => {
      const c = testConfig({}, ep);
      return testConfig({ model_config: { qwen3: { pii_policy: { allow_by_default: false, pii_types_allowed: ['PERSON'] } } }, server: { ...c.server, passthrough_paths: [...c.server.passthrough_paths, '/invocations'] } }, ep);
    },
  });
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => upstream?.close(() => r()));
});

const invoke = (body: Record<string, unknown>) =>
  fetch(`${gw.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', ...body }) }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }));
const ask = { role: 'user', content: 'Please summarise the notes.' };

describe('/invocations chat bodies: the PII policy reads what it reads on chat', () => {
  it.each([
    ['a name', { messages: [{ ...ask, name: EMAIL }] }],
    ["an assistant's reasoning_content", { messages: [ask, { role: 'assistant', content: 'Done.', reasoning_content: `Mail ${EMAIL} later.` }, ask] }],
    ['tool-call arguments', { messages: [ask, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'mail', arguments: `{"to":"${EMAIL}"}` } }] }, { role: 'tool', tool_call_id: 'c1', content: 'sent' }, ask] }],
    ['a document', { messages: [ask], documents: [{ title: 'Notes', text: `Contact ${EMAIL} for details.` }] }],
    ['a chat_template_kwargs string', { messages: [ask], chat_template_kwargs: { signature: `Sent by ${EMAIL}` } }],
  ])('%s', async (_, body) => {
    seen = [];
    const r = await invoke(body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('pii_policy_denied');
    expect(seen).toEqual([]);
  });

  it('an ordinary body is forwarded as sent', async () => {
    seen = [];
    const body = { messages: [{ ...ask, name: 'alice' }], documents: [{ title: 'Notes', text: 'The meeting moved to Tuesday.' }] };
    expect((await invoke(body)).status).toBe(200);
    expect(JSON.parse(seen[0]!)).toEqual({ model: 'qwen3', ...body });
  });
});
