// The semantic cache through ext_proc, over the real gRPC protocol with the real pipeline, the real
// embedding pack and the in-memory cache: Envoy (played by a grpc-js client) streams an SSE answer
// through semroute in STREAMED mode, and the same question asked again is answered from the cache,
// as on the HTTP gateway. Only a stream that ended normally is stored.
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { completionChunks } from '../../src/mock/answers.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, setHeaders, type EnvoyClient, type Msg } from './helpers/envoy-client.ts';
import { startRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json' };
const SSE = { ':status': '200', 'content-type': 'text/event-stream' };

const chatBody = (content: string, stream: boolean) => JSON.stringify({ model: 'MoM', stream, messages: [{ role: 'user', content }] });

/** The text of the content deltas of an SSE body. */
const sseContent = (text: string) =>
  text.split('\n\n').filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)).choices?.[0]?.delta?.content ?? '').join('');

/** What the upstream sends: the mock Production Stack's chunks for `model`, as SSE text. */
const upstreamSse = (model: string) => completionChunks('chatcmpl-1', model, 1700000000, 9, false).map((p) => `data: ${p}\n\n`).join('');

describe.skipIf(!packsAvailable())('semantic cache through ext_proc (streamed answers)', () => {
  let envoy: EnvoyClient;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const config = testConfig({ semantic_cache: { enabled: true, backend_type: 'memory' } });
    const started = await startRealExtProc(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
    ({ envoy, close } = started);
    expect(started.deps.cache, 'the memory cache is built').toBeDefined();
  });
  afterAll(() => close?.());

  /** Request headers and body through ext_proc; the stream stays open for the response messages. */
  async function ask(question: string, stream: boolean) {
    const s = envoy.open();
    await s.send(requestHeaders(CHAT));
    const b = await s.send(requestBody(chatBody(question, stream)));
    return { b, s };
  }

  /**
   * Streams `sse` through ext_proc in STREAMED mode, cut in `parts` pieces anywhere (mid-line too);
   * the last one carries end_of_stream unless `cut`. Returns what Envoy sends the client.
   */
  async function stream(s: ReturnType<EnvoyClient['open']>, sse: string, opts: { parts?: number; cut?: boolean } = {}): Promise<string> {
    const rh = await s.send(responseHeaders(SSE));
    expect(rh.mode_override?.response_body_mode).toBe('STREAMED');
    const parts = opts.parts ?? 5;
    let sent = '';
    for (let i = 0; i < parts; i++) {
      const piece = sse.slice(Math.floor((sse.length * i) / parts), Math.floor((sse.length * (i + 1)) / parts));
      const rb: Msg = await s.send(responseBody(piece, !opts.cut && i === parts - 1));
      const m = rb.response_body.response?.body_mutation;
      sent += m?.body?.length ? Buffer.from(m.body).toString() : m?.clear_body ? '' : piece;
    }
    return sent;
  }

  it('a streamed answer is stored: the same question again is a cache hit with the streamed text, as SSE and as JSON', async () => {
    const q = 'What causes the seasons on Earth to change during the year?';
    const first = await ask(q, true);
    expect(first.b.response, 'a miss goes upstream').toBe('request_body');
    const model = setHeaders(first.b.request_body.response.header_mutation)['x-selected-model']!;
    const sent = await stream(first.s, upstreamSse(model));
    first.s.end();
    const streamed = sseContent(sent);
    expect(streamed).toBe(`This is a mock answer from ${model}.`);

    const again = await ask(q, true);
    again.s.end();
    expect(again.b.response, 'the repeat is answered by semroute').toBe('immediate_response');
    const ir = again.b.immediate_response;
    expect(setHeaders(ir.headers)['x-vsr-cache-hit']).toBe('true');
    const replay = Buffer.from(ir.body).toString();
    expect(sseContent(replay)).toBe(streamed);
    expect(replay.endsWith('data: [DONE]\n\n')).toBe(true);

    const asJson = await ask(q, false);
    asJson.s.end();
    expect(asJson.b.response).toBe('immediate_response');
    const completion = JSON.parse(Buffer.from(asJson.b.immediate_response.body).toString());
    expect(completion.choices[0].message.content).toBe(streamed);
    expect(completion.choices[0].finish_reason).toBe('stop');
  });

  it('a stream cut short (no finish_reason, no [DONE]), one Envoy never ends, and an error stream are not stored', async () => {
    const questions = [
      'How do vaccines train the immune system to fight infections?',
      'Explain how a compiler turns source code into machine code.',
      'Why did the Roman Empire split into east and west?',
    ];
    for (const [n, q] of questions.entries()) {
      const first = await ask(q, true);
      expect(first.b.response).toBe('request_body');
      const full = upstreamSse('qwen3');
      const events = full.split('\n\n').filter(Boolean);
      if (n === 0) {
        // The upstream closed cleanly after a few words: Envoy ends the body, but the answer is partial.
        await stream(first.s, events.slice(0, 4).map((e) => `${e}\n\n`).join(''));
      } else if (n === 1) {
        // The upstream connection broke: Envoy never sends end_of_stream and drops the gRPC stream.
        await stream(first.s, full.slice(0, full.lastIndexOf('data: [DONE]')), { cut: true });
        first.s.cancel();
        await first.s.closed;
      } else {
        // vLLM reports a failure mid-stream as an error event, then ends the stream with [DONE].
        const error = `data: ${JSON.stringify({ error: { message: 'engine died', type: 'InternalServerError', code: 500 } })}\n\n`;
        await stream(first.s, events.slice(0, 4).map((e) => `${e}\n\n`).join('') + error + 'data: [DONE]\n\n');
      }
      if (n !== 1) first.s.end();

      const again = await ask(q, true);
      again.s.end();
      expect(again.b.response, `case ${n}: a miss again, sent upstream`).toBe('request_body');
    }
  });

  it('a compressed stream that needs no rewrite goes on as it came and is stored from a decoded copy', async () => {
    const q = 'What is the difference between weather and climate?';
    const first = await ask(q, true);
    const model = setHeaders(first.b.request_body.response.header_mutation)['x-selected-model']!;
    const rh = await first.s.send(responseHeaders({ ...SSE, 'content-encoding': 'gzip' }));
    expect(rh.mode_override.response_body_mode).toBe('STREAMED');
    const coded = zlib.gzipSync(upstreamSse(model));
    const rb: Msg = await first.s.send({ response_body: { body: coded, end_of_stream: true } });
    expect(rb.response_body.response?.body_mutation ?? null, 'the coded bytes as they came').toBeNull();
    first.s.end();
    const again = await ask(q, true);
    again.s.end();
    expect(again.b.response).toBe('immediate_response');
    expect(sseContent(Buffer.from(again.b.immediate_response.body).toString())).toBe(`This is a mock answer from ${model}.`);
  });
});
