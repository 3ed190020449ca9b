// Envoy's response_header_mode SKIP: the answer's body comes to ext_proc (its response_body_mode) but
// its head never does, so neither its status nor its content type. Such an answer must still be read
// as ext_proc reads any: the PII restore (a client must not get placeholders), the clean-end check, the
// request's one log line with its tokens. Real gRPC (Envoy played by a grpc-js client).
import OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import { describe, expect, it } from 'vitest';
import { restoreTap } from '../../src/guard/redaction.ts';
import { clientBytes, requestBody, requestHeaders, responseBody, type EnvoyStream } from './helpers/envoy-client.ts';
import { CHAT as FAKE_CHAT, fakeDeps } from './helpers/extproc-fakes.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { forwardingPipeline, useExtProc } from './helpers/extproc-server.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3' };
const ev = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const USAGE = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };

/** Sends the body chunks (no response headers: SKIP) and returns what the client gets. */
async function body(s: EnvoyStream, parts: string[]): Promise<string> {
  let client = '';
  for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
  s.end();
  return client;
}

describe('ext_proc, response headers skipped: the PII restore still applies', () => {
  const ext = useExtProc(fakeDeps(), { pipeline: forwardingPipeline([restoreTap(new Map([['<EMAIL_ADDRESS_2>', 'ann@example.com']]))]) });
  const open = async (mode: string, stream: boolean) => {
    const s = ext.client.open();
    await s.send({ ...requestHeaders(FAKE_CHAT), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
    await s.send(requestBody(JSON.stringify({ model: 'MoM', stream, messages: [{ role: 'user', content: 'hi' }] })));
    return s;
  };

  it('a JSON answer (BUFFERED): restored', async () => {
    const answer = { id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Mail <EMAIL_ADDRESS_2>.' }, finish_reason: 'stop' }] };
    const client = await body(await open('BUFFERED', false), [JSON.stringify(answer)]);
    expect(JSON.parse(client).choices[0].message.content).toBe('Mail ann@example.com.');
  });

  it('a JSON answer in STREAMED chunks: restored, its length kept (the head, content-length included, went on unseen)', async () => {
    const text = JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Mail <EMAIL_ADDRESS_2>.' }, finish_reason: 'stop' }] });
    const client = await body(await open('STREAMED', false), [text.slice(0, 40), text.slice(40, 90), text.slice(90)]);
    expect(JSON.parse(client).choices[0].message.content).toBe('Mail ann@example.com.');
    expect(Buffer.byteLength(client)).toBe(Buffer.byteLength(text));
  });

  it('an event stream in STREAMED chunks: restored, placeholders split over chunks', async () => {
    const sse = ev({ content: 'Mail <EMAIL_ADD' }) + ev({ content: 'RESS_2>.' }) + ev({}, 'stop') + 'data: [DONE]\n\n';
    const cut = sse.indexOf('_ADD') + 2;
    const client = await body(await open('STREAMED', true), [sse.slice(0, cut), sse.slice(cut)]);
    const events = client.split('\n\n').filter((e) => e.startsWith('data: {'));
    expect(events.map((e) => JSON.parse(e.slice(6)).choices[0].delta.content ?? '').join('')).toBe('Mail ann@example.com.');
  });

  it('an error answer (JSON, no choices) goes on as it came', async () => {
    const err = JSON.stringify({ error: { message: 'Mail <EMAIL_ADDRESS_2> is bad', type: 'BadRequestError', code: 400 } });
    expect(await body(await open('BUFFERED', false), [err])).toBe(err);
  });
});

describe('ext_proc, response headers skipped: a restore that would lengthen a STREAMED JSON answer', () => {
  const d = fakeDeps();
  const ext = useExtProc(d, { pipeline: forwardingPipeline([restoreTap(new Map([['<EMAIL_ADDRESS_2>', 'a.much.longer.address@example.com']]))]) });
  it('goes on as it came (its declared length may stand), warned', async () => {
    const s = ext.client.open();
    await s.send({ ...requestHeaders(FAKE_CHAT), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'hi' }] })));
    const text = JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Mail <EMAIL_ADDRESS_2>.' }, finish_reason: 'stop' }] });
    expect(await body(s, [text.slice(0, 50), text.slice(50)])).toBe(text);
    expect(d.logs.some((l) => l.includes('longer than the length'))).toBe(true);
  });
});

describe('ext_proc, response headers skipped: the answer is accounted', () => {
  const h = useRealExtProc();

  const open = async (id: string, mode: string, extra: Record<string, unknown>) => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: `hi ${id}` }], ...extra })));
    return s;
  };
  const line = (id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id).map((l) => l.obj);

  it('a whole stream the client asked usage for (STREAMED): untouched, one request line with its tokens', async () => {
    const parts = [ev({ content: 'Hello' }), ev({}, 'stop'), `data: ${JSON.stringify({ ...base, choices: [], usage: USAGE })}\n\n`, 'data: [DONE]\n\n'];
    const client = await body(await open('skip-whole', 'STREAMED', { stream: true, stream_options: { include_usage: true } }), parts);
    expect(client).toBe(parts.join(''));
    await expect.poll(() => line('skip-whole')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 2, total: 7 } })]);
  });

  it('a stream cut inside its last event: the SDK raises the gateway\'s APIError, counted upstream_5xx', async () => {
    const before = h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;
    const client = await body(await open('skip-cut', 'STREAMED', { stream: true, stream_options: { include_usage: true } }), [ev({ content: 'He' }), ev({ content: 'llo' }).slice(0, 30)]);
    const stream = Stream.fromSSEResponse<OpenAI.ChatCompletionChunk>(new Response(client), new AbortController());
    const err = await (async () => {
      try {
        for await (const _ of stream);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' })).toBe(before + 1);
    expect(line('skip-cut')).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
  });

  it('a JSON answer (BUFFERED): one request line with its tokens', async () => {
    const answer = { id: 'c', object: 'chat.completion', model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }], usage: USAGE };
    const client = await body(await open('skip-json', 'BUFFERED', {}), [JSON.stringify(answer)]);
    expect(JSON.parse(client)).toEqual(answer);
    expect(line('skip-json')).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 2, total: 7 } })]);
  });

  it("an error body (BUFFERED): as it came, its status taken from its code, counted upstream_4xx", async () => {
    const before = h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_4xx' }) ?? 0;
    const err = JSON.stringify({ object: 'error', message: 'too long', type: 'BadRequestError', code: 400 });
    expect(await body(await open('skip-err', 'BUFFERED', {}), [err])).toBe(err);
    expect(line('skip-err')).toEqual([expect.objectContaining({ status: 400, error_reason: 'upstream_4xx' })]);
    expect(h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_4xx' })).toBe(before + 1);
  });

  it('a warning says the head was not sent (once), naming the setting', async () => {
    expect(h.logs.lines.filter((l) => /response_header_mode SKIP/.test(l.msg ?? ''))).toHaveLength(1);
  });

  it('request headers skipped (request_header_mode SKIP): the body goes on as it came, warned once, counted per request', async () => {
    const before = h.metrics.value('semroute_extproc_requests_total', { outcome: 'no_request_headers' }) ?? 0;
    for (const id of ['rq-1', 'rq-2']) {
      const s = h.envoy.open();
      const r = await s.send({ ...requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: id }] })), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' } });
      s.end();
      expect(r.request_body.response.body_mutation ?? null).toBeNull();
    }
    expect(h.metrics.value('semroute_extproc_requests_total', { outcome: 'no_request_headers' })).toBe(before + 2);
    expect(h.logs.lines.filter((l) => /request_header_mode SKIP/.test(l.msg ?? ''))).toHaveLength(1);
  });
});
