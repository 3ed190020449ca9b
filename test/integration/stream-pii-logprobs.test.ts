// PII restore and token logprobs (logprobs: true): the content came back restored while
// logprobs.content[].token still showed the placeholder (<EMAIL_ADDRESS_1>), so a client reading
// tokens saw the redaction the restore hides. A token that holds a whole placeholder is now restored
// too (its bytes with it, and so in top_logprobs). A placeholder the model wrote over several tokens
// ("<EMAIL", "_ADDRESS", "_1>") is left in its pieces: each piece's logprob is the model's for that
// piece, and no piece is the value; spreading the value over them would invent tokens.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway, PROMPT } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

const VALUE = 'jane.doe@example.com';
const bytes = (s: string) => [...Buffer.from(s)];
const lp = (token: string, alt?: string) => ({ token, logprob: -0.5, bytes: bytes(token), top_logprobs: [{ token: alt ?? token, logprob: -0.5, bytes: bytes(alt ?? token) }] });
// What the model wrote: "To " + the placeholder as one token (an added token) + " ok, " + the placeholder in three pieces.
const TOKENS = [lp('To '), lp('<EMAIL_ADDRESS_1>'), lp(' ok, '), lp('<EMAIL', '<EMAIL_ADDRESS_1>'), lp('_ADDRESS'), lp('_1>')];
const TEXT = TOKENS.map((t) => t.token).join('');
const WANT_TEXT = `To ${VALUE} ok, ${VALUE}`;
const WANT_TOKENS = [lp('To '), lp(VALUE), lp(' ok, '), lp('<EMAIL', VALUE), lp('_ADDRESS'), lp('_1>')];

describe('PII restore in token logprobs', () => {
  it('JSON answer: a token that is a whole placeholder is restored (token, bytes, top_logprobs); pieces stay', async () => {
    const completion = { id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: TEXT }, logprobs: { content: TOKENS }, finish_reason: 'stop' }] };
    up.script = () => ({ head: 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n', pieces: [JSON.stringify(completion)] });
    const data = await client.chat.completions.create({ model: 'A', logprobs: true, top_logprobs: 1, messages: [{ role: 'user', content: PROMPT }] });
    expect(data.choices[0]!.message.content).toBe(WANT_TEXT);
    expect(data.choices[0]!.logprobs!.content).toEqual(WANT_TOKENS);
  });

  it('stream: the same in each chunk', async () => {
    const chunk = (t: ReturnType<typeof lp>, finish: string | null) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: t.token }, logprobs: { content: [t] }, finish_reason: finish }] })}\n\n`;
    up.script = () => ({ pieces: [...TOKENS.map((t, i) => chunk(t, i === TOKENS.length - 1 ? 'stop' : null)), 'data: [DONE]\n\n'] });
    let text = '';
    const tokens: unknown[] = [];
    for await (const c of await client.chat.completions.create({ model: 'A', stream: true, logprobs: true, top_logprobs: 1, messages: [{ role: 'user', content: PROMPT }] })) {
      text += c.choices[0]?.delta?.content ?? '';
      tokens.push(...(c.choices[0]?.logprobs?.content ?? []));
    }
    expect(text).toBe(WANT_TEXT);
    expect(tokens).toEqual(WANT_TOKENS);
  });
});
