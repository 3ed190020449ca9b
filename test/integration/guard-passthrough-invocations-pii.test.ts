// /invocations (vLLM's SageMaker route, when an operator lists it) serves a chat body as sent, so the
// PII policy must read what chat's does: it read message contents only, and an e-mail address in a
// participant's name, an assistant's reasoning_content or tool-call arguments, a RAG document or a
// chat_template_kwargs string reached the model the policy keeps it from (chat redacts or blocks all
// of those: redaction.ts, template-texts.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClassifiers, startGateway, type Gateway } from './gateway-harness.ts';
import { startBodyLogUpstream, withPassthroughPaths, type BodyLogUpstream } from './helpers/body-log-upstream.ts';

const EMAIL = 'jane.doe@example.com';
let up: BodyLogUpstream;
let gw: Gateway;

beforeAll(async () => {
  up = await startBodyLogUpstream('{"id":"x","object":"chat.completion","choices":[]}');
  const ep = up.endpoints;
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: () => withPassthroughPaths(['/invocations'], { model_config: { qwen3: { pii_policy: { allow_by_default: false, pii_types_allowed: ['PERSON'] } } } }, ep),
  });
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await up?.close();
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
    up.seen = [];
    const r = await invoke(body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('pii_policy_denied');
    expect(up.seen).toEqual([]);
  });

  it('an ordinary body is forwarded as sent', async () => {
    up.seen = [];
    const body = { messages: [{ ...ask, name: 'alice' }], documents: [{ title: 'Notes', text: 'The meeting moved to Tuesday.' }] };
    expect((await invoke(body)).status).toBe(200);
    const [path, ...sent] = up.seen[0]!.split(' ');
    expect(path).toBe('/invocations');
    expect(JSON.parse(sent.join(' '))).toEqual({ model: 'qwen3', ...body });
  });
});
