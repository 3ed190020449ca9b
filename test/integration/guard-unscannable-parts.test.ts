// Chat content a guard cannot read (issue #4): newer vLLM takes a `prompt_embeds` content part in chat
// messages (chat_utils.py MM_PARSER_MAP: the part's `data`, a tensor the model reads as tokens). The
// embeddings of any text are one lookup in an open model's embedding table away, so such a part
// carried an injection or personal data past both guards, which read text only. /v1/completions
// already refuses prompt_embeds while a guard is on (400 unscannable_prompt); chat now does the same,
// while the jailbreak guard is on or the selected model's pii_policy restricts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { postChat, startEchoGateway, type EchoGateway } from './helpers/echo-gateway.ts';

const embeds = { type: 'prompt_embeds', data: Buffer.from(new Float32Array(16).buffer).toString('base64') };
const messages = [{ role: 'user', content: [{ type: 'text', text: 'Continue:' }, embeds] }];

let guarded: EchoGateway; // jailbreak guard on
let plain: EchoGateway; // no guard; deepseek-v3 restricts PII
beforeAll(async () => {
  guarded = await startEchoGateway({ prompt_guard: { enabled: true, threshold: 0.7 } });
  plain = await startEchoGateway({ model_config: { 'deepseek-v3': { pii_policy: { allow_by_default: false, action: 'redact' } } } });
}, 120_000);
afterAll(async () => {
  await guarded?.close();
  await plain?.close();
});

const refused = async (g: EchoGateway, model: string) => {
  g.echo.raw.length = 0;
  const client = new OpenAI({ baseURL: `${g.gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
  const err = await client.chat.completions.create({ model, messages } as never).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'unscannable_prompt' });
  expect(g.echo.raw).toEqual([]);
};

describe('a prompt_embeds content part in chat', () => {
  it('is refused 400 unscannable_prompt while the jailbreak guard is on, never forwarded', async () => {
    await refused(guarded, 'qwen3');
  });

  it('is refused for a model whose pii_policy restricts, guard off', async () => {
    await refused(plain, 'deepseek-v3');
  });

  it('goes on as sent when no guard reads the request', async () => {
    plain.echo.raw.length = 0;
    const r = await postChat(plain.gw, { model: 'qwen3', messages });
    expect(r.status).toBe(200);
    expect(JSON.parse(plain.echo.raw[0]!).messages).toEqual(messages);
  });
});
