// Mutation audit 4 of src/guard/unscannable.ts, through the gateway's other doors: a prompt_embeds
// part in a /v1/responses input item (mutant U1: only chat `messages` looked at) or as an input item
// of its own (U2: only a message's content list), and an image a model whose pii_policy restricts
// would be sent inside a /v1/messages tool result (U3: nested parts not walked) or a /v1/responses
// function_call_output's `output` list (U4) or a /v1/score data object (U5). Each is refused 400 unscannable_prompt, never forwarded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoGateway, type EchoGateway } from './helpers/echo-gateway.ts';

const embeds = { type: 'prompt_embeds', data: Buffer.from(new Float32Array(16).buffer).toString('base64') };
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

let guarded: EchoGateway; // jailbreak guard on
let restricted: EchoGateway; // no guard; deepseek-v3 restricts PII
beforeAll(async () => {
  guarded = await startEchoGateway({ prompt_guard: { enabled: true, threshold: 0.7 } });
  restricted = await startEchoGateway({ model_config: { 'deepseek-v3': { pii_policy: { allow_by_default: false, action: 'redact' } } } });
}, 120_000);
afterAll(async () => {
  await guarded?.close();
  await restricted?.close();
});

async function post(g: EchoGateway, path: string, body: unknown) {
  g.echo.raw.length = 0;
  // The echo upstream answers chat only: a request let through waits, so it is cut after a while.
  const r = await fetch(`${g.gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  if (!r) return { status: 0, code: undefined, forwarded: g.echo.raw.length };
  const json = (await r.json().catch(() => ({}))) as { error?: { code?: string; type?: string } };
  return { status: r.status, code: json.error?.code, forwarded: g.echo.raw.length };
}

const REFUSED = { status: 400, code: 'unscannable_prompt', forwarded: 0 };

describe('unscannable content through /v1/responses and /v1/messages (mutation audit 4)', () => {
  it('a prompt_embeds part in a /v1/responses input item, or as an item of its own', async () => {
    expect(await post(guarded, '/v1/responses', { model: 'qwen3', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Continue:' }, embeds] }] })).toEqual(REFUSED);
    expect(await post(guarded, '/v1/responses', { model: 'qwen3', input: [{ role: 'user', content: 'Continue:' }, embeds] })).toEqual(REFUSED);
  });

  it('an image inside a /v1/messages tool result, for a model whose pii_policy restricts', async () => {
    const messages = [
      { role: 'user', content: 'Describe the screenshot.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'screenshot', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.split(',')[1] } }] }] },
    ];
    expect(await post(restricted, '/v1/messages', { model: 'deepseek-v3', max_tokens: 16, messages })).toEqual(REFUSED);
  });

  it("an image in a /v1/responses function_call_output's output list, for a model whose pii_policy restricts", async () => {
    const input = [
      { role: 'user', content: 'Describe the screenshot.' },
      { type: 'function_call', call_id: 'c1', name: 'screenshot', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_image', image_url: PNG }] },
    ];
    expect(await post(restricted, '/v1/responses', { model: 'deepseek-v3', input })).toEqual(REFUSED);
  });

  // vLLM's multimodal score input: an object holding a content list (mutant U5: objects not walked).
  it('an image in a /v1/score data object, for a model whose pii_policy restricts', async () => {
    const body = { model: 'deepseek-v3', data_1: 'What does the chart show?', data_2: { content: [{ type: 'image_url', image_url: { url: PNG } }] } };
    expect(await post(restricted, '/v1/score', body)).toEqual(REFUSED);
  });
});
