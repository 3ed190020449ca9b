// Behind Envoy, a chat stream that ends cleanly (end_of_stream) inside its last event: the bytes of
// that event must not reach the client closed off by the added error event's blank line, or the openai
// SDK parses the broken JSON and raises a SyntaxError in place of the gateway's APIError 'The upstream
// answer ended before it was complete.' (the gateway holds a partial event until its blank line and
// drops it on a cut: 77297d8, stream-cut-mid-event.test.ts). Covered here where ext_proc reads the
// stream without taking usage out: the semantic cache's record, the PII restore, the clean-end check
// alone (STREAMED sent anyway), and Envoy in BUFFERED response mode with no tap reading the answer.
// Real gRPC (Envoy played by a grpc-js client); the client's bytes are read by the openai SDK's SSE reader.
import OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import { describe, expect, it } from 'vitest';
import { restoreTap } from '../../src/guard/redaction.ts';
import { packsAvailable } from './gateway-harness.ts';
import { clientBytes, requestBody, requestHeaders, responseBody, responseHeaders, type EnvoyClient } from './helpers/envoy-client.ts';
import { CHAT as FAKE_CHAT, fakeDeps } from './helpers/extproc-fakes.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { forwardingPipeline, useExtProc } from './helpers/extproc-server.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3' };
const ev = (content: string) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** What the openai SDK makes of `text` as a stream: the content, and what it raised. */
async function sdkRead(text: string): Promise<{ content: string; err?: unknown }> {
  const stream = Stream.fromSSEResponse<OpenAI.ChatCompletionChunk>(new Response(text, { headers: { 'content-type': 'text/event-stream' } }), new AbortController());
  let content = '';
  try {
    for await (const c of stream) for (const ch of c.choices) content += ch.delta?.content ?? '';
  } catch (err) {
    return { content, err };
  }
  return { content };
}

/** The upstream's body chunks for each case: whole events, then the last one cut (at its end, or spread over chunks). */
const CUTS: Array<[string, string[]]> = [
  ['the last event cut in the last chunk', [ev('He'), ev('llo').slice(0, 30)]],
  ['the cut event begun in an earlier chunk', [ev('He') + ev('llo').slice(0, 25), ev('llo').slice(25, 40)]],
  ['the cut event alone over three chunks', [ev('He'), ev('llo').slice(0, 12), ev('llo').slice(12, 40)]],
];

/** One request through ext_proc; Envoy's response mode `mode`; `parts` the upstream's body (one message in BUFFERED). */
async function run(envoy: EnvoyClient, id: string, body: Record<string, unknown>, parts: string[], mode = 'STREAMED'): Promise<string> {
  const s = envoy.open();
  await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
  await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: `Name three rivers in Europe ${id}` }], ...body })));
  const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
  expect(rh.mode_override?.response_body_mode).not.toBe('NONE');
  const chunks = mode === 'BUFFERED' ? [parts.join('')] : parts;
  let client = '';
  for (const [i, p] of chunks.entries()) client += clientBytes(p, await s.send(responseBody(p, i === chunks.length - 1)));
  s.end();
  return client;
}

async function expectCleanCut(client: string, content: string): Promise<void> {
  const r = await sdkRead(client);
  expect(r.err).toBeInstanceOf(OpenAI.APIError);
  expect((r.err as Error).message).toContain('The upstream answer ended before it was complete.');
  expect(r.content).toBe(content);
  // Whole events only: every event the client got is JSON.
  for (const e of client.split('\n\n').filter((x) => x.trim())) expect(() => JSON.parse(e.replace(/^data: /, ''))).not.toThrow();
}

const useReal = (cache: boolean) => useRealExtProc(cache ? { semantic_cache: { enabled: true, backend_type: 'memory' } } : {}, cache);

describe.skipIf(!packsAvailable())('ext_proc: a stream cut inside its last event, the cache recording it (usage asked by the client)', () => {
  const h = useReal(true);
  for (const [name, parts] of CUTS) {
    it(`${name}: the SDK raises the gateway's APIError, not a SyntaxError`, async () => {
      const id = `cache-${name.replace(/\W+/g, '-')}`;
      const before = h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;
      await expectCleanCut(await run(h.envoy, id, { stream_options: { include_usage: true } }, parts), 'He');
      expect(h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' })).toBe(before + 1);
    });
  }
});

describe('ext_proc: a stream cut inside its last event, nothing but the clean-end check reading it', () => {
  const h = useReal(false);
  for (const [name, parts] of CUTS) {
    it(`STREAMED sent anyway, ${name}: the gateway's APIError`, async () => {
      await expectCleanCut(await run(h.envoy, `any-${name.replace(/\W+/g, '-')}`, { stream_options: { include_usage: true } }, parts), 'He');
    });
  }
  it('a whole stream over the same chunk cuts goes on byte for byte', async () => {
    const parts = [ev('He') + ev('llo').slice(0, 25), ev('llo').slice(25) + 'data: [DONE]\n\n'];
    expect(await run(h.envoy, 'any-whole', { stream_options: { include_usage: true } }, parts)).toBe(parts.join(''));
  });

  it('BUFFERED response mode, the client asking usage itself (no tap): a cut body is checked as in STREAMED', async () => {
    const before = h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' }) ?? 0;
    const client = await run(h.envoy, 'buffered-cut', { stream_options: { include_usage: true } }, [ev('He'), ev('llo')], 'BUFFERED');
    await expectCleanCut(client, 'Hello');
    expect(h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'upstream_5xx' })).toBe(before + 1);
    const line = h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'buffered-cut').map((l) => l.obj);
    expect(line).toEqual([expect.objectContaining({ status: 200, error_reason: 'stream_error' })]);
  });
  it('BUFFERED response mode, cut inside its last event: the gateway\'s APIError', async () => {
    await expectCleanCut(await run(h.envoy, 'buffered-mid', { stream_options: { include_usage: true } }, CUTS[0]![1], 'BUFFERED'), 'He');
  });
  it('BUFFERED response mode, a whole stream: untouched, its usage counted', async () => {
    const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
    const sse = ev('Hello') + `data: ${JSON.stringify({ ...base, choices: [], usage })}\n\ndata: [DONE]\n\n`;
    expect(await run(h.envoy, 'buffered-whole', { stream_options: { include_usage: true } }, [sse], 'BUFFERED')).toBe(sse);
    const line = h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'buffered-whole').map((l) => l.obj);
    expect(line).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 5, completion: 2, total: 7 } })]);
  });
});

describe('ext_proc PII restore: a stream cut inside its last event', () => {
  const ext = useExtProc(fakeDeps(), { pipeline: forwardingPipeline([restoreTap(new Map([['<EMAIL_ADDRESS_2>', 'ann@example.com']]))]) });
  const restoreCuts: Array<[string, string[]]> = [
    ['in the last chunk', [ev('Mail <EMAIL_ADDRESS_2>'), ev(' now, or').slice(0, 30)]],
    ['begun in an earlier chunk', [ev('Mail <EMAIL_ADDRESS_2>') + ev(' now, or').slice(0, 25), ev(' now, or').slice(25, 45)]],
  ];
  for (const [name, parts] of restoreCuts) {
    it(`${name}: the restored text, then the gateway's APIError (no partial event)`, async () => {
      const s = ext.client.open();
      await s.send(requestHeaders(FAKE_CHAT));
      await s.send(requestBody(JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'hi' }] })));
      await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
      let client = '';
      for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
      s.end();
      await expectCleanCut(client, 'Mail ann@example.com');
    });
  }
});
