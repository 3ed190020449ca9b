// A client asks for a stream and the upstream answers 200 with JSON (an engine or proxy that ignores
// `stream`). The `openai` SDK reads the body as SSE, finds no event and ends silently with nothing:
// the answer was lost, or, for a JSON error body, the error. The gateway now sends such a completion
// as the chunks of a stream ending in [DONE] (as a cache hit is replayed), and such an error as an
// error event the SDK raises, counted as a failed answer.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway, PROMPT } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

const JSON_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n';
const completion = (content: string) =>
  JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });

describe('a JSON completion answered to a stream request', () => {
  for (const [way, model, extra, content, want] of [
    ['usage not asked', 'qwen3', {}, 'Hello', 'Hello'],
    ['usage asked', 'qwen3', { stream_options: { include_usage: true } }, 'Hello', 'Hello'],
    ['PII restored', 'A', {}, 'Mail sent to <EMAIL_ADDRESS_1>.', 'Mail sent to jane.doe@example.com.'],
  ] as const) {
    it(`${way}: the SDK streams the answer (text, finish_reason${'stream_options' in extra ? ', usage' : ''}); tokens counted`, async () => {
      up.script = () => ({ head: JSON_HEAD, pieces: [completion(content)] });
      const tokens = gw.metrics.value('llm_model_tokens_total', { model }) ?? 0;
      let text = '';
      let finish: string | null = null;
      let usage: unknown;
      const { data: stream, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }], stream: true, ...extra }).withResponse();
      for await (const c of stream) {
        text += c.choices[0]?.delta?.content ?? '';
        finish = c.choices[0]?.finish_reason ?? finish;
        if (c.usage) usage = c.usage;
      }
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      expect({ text, finish }).toEqual({ text: want, finish: 'stop' });
      expect(usage).toEqual('stream_options' in extra ? { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } : undefined);
      expect(gw.metrics.value('llm_model_tokens_total', { model })).toBe(tokens + 7);
    });
  }

  it('a JSON error body with status 200: the SDK raises it; counted and logged as a failed answer', async () => {
    up.script = () => ({ head: JSON_HEAD, pieces: ['{"error":{"message":"boom","type":"InternalServerError","code":500}}'] });
    const before = gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;
    const err = await (async () => {
      for await (const _ of await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true })) void _;
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toContain('boom');
    expect(gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' })).toBe(before + 1);
    expect(gw.logs.lines.filter((l) => l.msg === 'request').at(-1)!.obj).toMatchObject({ status: 200, error_reason: 'stream_error' });
  });

  it('a request that did not ask for a stream gets the JSON as before', async () => {
    up.script = () => ({ head: JSON_HEAD, pieces: [completion('Hello')] });
    const { data, response } = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(data.choices[0]!.message.content).toBe('Hello');
  });
});
