// Mutation audit, round 2: streamed PII restore behaviour that surviving mutants of
// src/guard/redaction.ts showed untested, over real sockets (openai SDK -> gateway with the real packs
// -> raw SSE upstream; model A redacts and restores). Text the restorer held back as a possible
// placeholder start ("<EMAIL") goes out once, with the choice's finish chunk, and not again when the
// stream ends (StreamRestorer.flush forgets what it sent; a second copy came with the end's chunk).
// A legacy function_call's name, masked in the request's `functions`, comes back as the client's in
// a streamed delta. A finish chunk whose own content ends in a possible placeholder start keeps its
// text ahead of it. A `thinking` or `refusal` content part is masked on the way up as a text part is.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { chunk, ev, useRawSseGateway, PROMPT } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

const VALUE = 'jane.doe@example.com';
const finish = chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });

describe('held placeholder text at a choice finish', () => {
  for (const withDone of [true, false]) {
    it(`a tail that only looked like a placeholder is sent once, with the finish chunk (${withDone ? 'with' : 'without'} [DONE])`, async () => {
      up.script = () => ({ pieces: [ev('Write to <EMAIL_ADDRESS_1> or <EMAIL'), finish, withDone ? 'data: [DONE]\n\n' : ''] });
      const chunks: Array<{ choices: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }> }> = [];
      for await (const c of await client.chat.completions.create({ model: 'A', stream: true, messages: [{ role: 'user', content: PROMPT }] })) chunks.push(c as never);
      const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
      expect(text).toBe(`Write to ${VALUE} or <EMAIL`);
      // The finish chunk is the last one and carries the held text.
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
      expect(chunks.at(-1)!.choices[0]!.delta?.content).toBe('<EMAIL');
    });
  }

  it('the raw SSE: one finish chunk, then [DONE], nothing after', async () => {
    up.script = () => ({ pieces: [ev('Hi <EMAIL_ADD'), finish, 'data: [DONE]\n\n'] });
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'A', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
    });
    const events = (await r.text()).split('\n\n').filter((e) => e.trim());
    expect(events.at(-1)).toBe('data: [DONE]');
    const data = events.filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)));
    expect(data.map((d) => d.choices[0].delta.content ?? '').join('')).toBe('Hi <EMAIL_ADD');
    expect(data.filter((d) => d.choices[0].delta.content === '<EMAIL_ADD')).toHaveLength(1);
    // No closing chunk after the finish: nothing was held at the end.
    expect(data.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('a choice with no finish_reason: its held text comes in a closing chunk with the stream\'s id, created and model', async () => {
    up.script = () => ({ pieces: [ev('Hi <EMAIL_ADD'), 'data: [DONE]\n\n'] });
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'A', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
    });
    const data = (await r.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)));
    expect(data).toHaveLength(2);
    expect(data[1]).toEqual({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: '<EMAIL_ADD' }, finish_reason: null }] });
  });
});

describe('a streamed legacy function_call', () => {
  it("its name, masked on the way up, is the client's again in the delta; its arguments restored too", async () => {
    up.script = () => ({
      pieces: [
        chunk({ choices: [{ index: 0, delta: { role: 'assistant', function_call: { name: '<EMAIL_ADDRESS_1>', arguments: '' } }, finish_reason: null }] }),
        chunk({ choices: [{ index: 0, delta: { function_call: { arguments: '{"to":"<EMAIL_ADDRESS_1>"}' } }, finish_reason: null }] }),
        chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'function_call' }] }),
        'data: [DONE]\n\n',
      ],
    });
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'A',
        stream: true,
        messages: [{ role: 'user', content: PROMPT }],
        functions: [{ name: VALUE, parameters: { type: 'object', properties: { to: { type: 'string' } } } }],
      }),
    });
    expect(r.status).toBe(200);
    // The upstream saw the name masked, as the prompt's address.
    expect(up.bodies.at(-1)!.functions[0].name).toBe('<EMAIL_ADDRESS_1>');
    const data = (await r.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)));
    const calls = data.map((d) => d.choices[0].delta.function_call).filter(Boolean);
    expect(calls[0].name).toBe(VALUE);
    expect(JSON.parse(calls.map((c) => c.arguments ?? '').join(''))).toEqual({ to: VALUE });
  });
});

describe('a finish chunk that brings text of its own', () => {
  it('its text and the held tail both reach the client, in order', async () => {
    up.script = () => ({ pieces: [ev('Write to <EMAIL_ADDRESS_1>.'), ev(' Or try <EMA', 'stop'), 'data: [DONE]\n\n'] });
    let text = '';
    for await (const c of await client.chat.completions.create({ model: 'A', stream: true, messages: [{ role: 'user', content: PROMPT }] })) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe(`Write to ${VALUE}. Or try <EMA`);
  });
});

describe('thinking and refusal content parts (vLLM reads their `thinking` and `refusal` as text)', () => {
  it('is masked before the upstream sees it, and the answer quoting it is restored', async () => {
    up.script = () => ({ pieces: [ev('Noted <EMAIL_ADDRESS_1>', 'stop'), 'data: [DONE]\n\n'] });
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'A',
        stream: true,
        messages: [
          { role: 'user', content: 'Hello there.' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: `The user wrote from ${VALUE} before.` },
              { type: 'refusal', refusal: `I will not write to ${VALUE}.` },
              { type: 'text', text: 'Hi.' },
            ],
          },
          { role: 'user', content: 'Thanks.' },
        ],
      }),
    });
    expect(r.status).toBe(200);
    const sent = JSON.stringify(up.bodies.at(-1)!.messages);
    expect(sent).not.toContain(VALUE);
    expect(up.bodies.at(-1)!.messages[1].content[0].thinking).toBe('The user wrote from <EMAIL_ADDRESS_1> before.');
    expect(up.bodies.at(-1)!.messages[1].content[1].refusal).toBe('I will not write to <EMAIL_ADDRESS_1>.');
    const text = (await r.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)).choices[0].delta.content ?? '')
      .join('');
    expect(text).toBe(`Noted ${VALUE}`);
  });
});
