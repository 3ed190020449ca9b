// A request without `stream` answered 200 with an event stream (an engine or proxy that streams
// whatever was asked). The `openai` SDK's non-stream create() got the SSE text as a string instead
// of a chat.completion (data.choices undefined), PII placeholders were not restored in it and its
// tokens were not counted. The gateway now assembles the events into the chat.completion a JSON
// client expects (as a cached stream is served to one, cache/sse.ts), restored and metered; a stream
// that failed (an error event) or ended before it was whole is a 502 the SDK raises.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway, chunk, ev, USAGE, PROMPT } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

const tokens = (model: string) => gw.metrics.value('llm_model_tokens_total', { model }) ?? 0;
const errors = (reason: string) => gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason }) ?? 0;

describe('an event stream answered to a request without stream', () => {
  for (const [way, model, pieces, want] of [
    ['whole, with usage and [DONE]', 'qwen3', [chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }), ev('Hel'), ev('lo', 'stop'), USAGE, 'data: [DONE]\n\n'], 'Hello'],
    ['PII restored', 'A', [ev('Mail sent to <EMAIL_'), ev('ADDRESS_1>.', 'stop'), USAGE, 'data: [DONE]\n\n'], 'Mail sent to jane.doe@example.com.'],
    ['CRLF line ends, no [DONE]', 'qwen3', [ev('Hel').replace(/\n/g, '\r\n'), ev('lo', 'stop').replace(/\n/g, '\r\n'), USAGE.replace(/\n/g, '\r\n')], 'Hello'],
  ] as const) {
    it(`${way}: the SDK gets a chat.completion (text, finish_reason, usage); tokens counted`, async () => {
      up.script = () => ({ pieces: [...pieces] });
      const before = tokens(model);
      const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }] }).withResponse();
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(data).toMatchObject({ object: 'chat.completion', id: 'c1', choices: [{ index: 0, message: { role: 'assistant', content: want }, finish_reason: 'stop' }] });
      expect(data.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
      expect(tokens(model)).toBe(before + 7);
    });
  }

  it('n = 2: both choices, in order', async () => {
    const two = (i: number, content: string, finish: string | null) => chunk({ choices: [{ index: i, delta: { content }, finish_reason: finish }] });
    up.script = () => ({ pieces: [two(1, 'B', null), two(0, 'A', 'stop'), two(1, 'b', 'length'), 'data: [DONE]\n\n'] });
    const data = await client.chat.completions.create({ model: 'qwen3', n: 2, messages: [{ role: 'user', content: 'hi' }] });
    expect(data.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([[0, 'A', 'stop'], [1, 'Bb', 'length']]);
  });

  it('an error event in the stream: 502 with the upstream message, which the SDK raises; counted as failed', async () => {
    up.script = () => ({ pieces: [ev('Hel'), 'data: {"error":{"message":"engine died","type":"InternalServerError","code":500}}\n\n', 'data: [DONE]\n\n'] });
    const before = errors('upstream_5xx');
    const err = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('engine died');
    expect(errors('upstream_5xx')).toBe(before + 1);
  });

  for (const [way, pieces] of [
    ['no [DONE] and no finish_reason', [ev('Hel'), ev('lo')]],
    ['no event at all', []],
    ['an event that is no JSON', ['data: {"id": "c1", "choi\n\n', 'data: [DONE]\n\n']],
  ] as const) {
    it(`${way}: 502, said to be incomplete, which the SDK raises`, async () => {
      up.script = () => ({ pieces: [...pieces], end: 'close-delimited' });
      const before = errors('upstream_error');
      const err = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(502);
      expect(errors('upstream_error')).toBe(before + 1);
      expect(gw.logs.lines.filter((l) => l.msg === 'request').at(-1)!.obj).toMatchObject({ status: 502 });
    });
  }

  it('a client that asked for a stream by its Accept header still gets the stream as it came', async () => {
    up.script = () => ({ pieces: [ev('Hel'), ev('lo', 'stop'), 'data: [DONE]\n\n'] });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(await res.text()).toContain('data: [DONE]');
  });
});
