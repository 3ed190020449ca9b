// A chat or generation body that Envoy sends in STREAMED chunks and that ends in request trailers (an
// HTTP/2 or chunked HTTP/1.1 client's trailers): no body message carries end_of_stream. Each chunk goes
// upstream as soon as it is answered, so ext_proc holds them (clear_body) until it can read the body
// whole; a TrailersResponse carries no body, so once the trailers come nothing can send held bytes.
// Before, the chunks were held for an end_of_stream that never came: the upstream got an empty body.
// Now the body is judged on the chunk that completes its JSON document, and that answer carries it
// whole (rewritten), whether Envoy sends the trailers to ext_proc (request_trailer_mode SEND) or not
// (SKIP, the default: ext_proc never hears of the end). A body still incomplete at the trailers is
// answered as the gateway answers a broken body, not forwarded empty. Real gRPC, real pipeline.
import { describe, expect, it } from 'vitest';
import { clientBytes, pieces, requestBody, requestHeaders, responseBody, responseHeaders, type EnvoyStream, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const STREAMED = { request_body_mode: 'STREAMED', response_body_mode: 'STREAMED' };
const TRAILERS: Msg = { request_trailers: { trailers: { headers: [] } } };
const dec = new TextDecoder();

/** Sends every piece without end_of_stream (trailers follow); what Envoy then sends upstream, and the answers. */
async function sendPieces(s: EnvoyStream, parts: Buffer[]): Promise<{ upstream: string; answers: Msg[] }> {
  const answers: Msg[] = [];
  const out: Buffer[] = [];
  for (const p of parts) {
    const a = await s.send(requestBody(p, false));
    answers.push(a);
    const m = a.request_body?.response?.body_mutation;
    out.push(m ? (m.clear_body ? Buffer.alloc(0) : Buffer.from(m.body)) : p);
  }
  return { upstream: dec.decode(Buffer.concat(out)), answers };
}

describe('ext_proc: a STREAMED request body that ends in trailers', () => {
  const h = useRealExtProc({ server: { max_body_bytes: 8000 } });
  const chat = { model: 'qwen3', messages: [{ role: 'system', content: 'Be brief: {"not": "the end"} }' }, { role: 'user', content: 'Name three rivers in Europe, please. ü "}" \\' }] };

  for (const trailerMode of ['SEND', 'SKIP'] as const) {
    it(`chat, request_trailer_mode ${trailerMode}: the whole body reaches the upstream, rewritten`, async () => {
      const s = h.envoy.open();
      await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': `trailers-${trailerMode}` }), protocol_config: STREAMED });
      const { upstream, answers } = await sendPieces(s, pieces(JSON.stringify({ ...chat, stream: true }), 5));
      if (trailerMode === 'SEND') expect((await s.send(TRAILERS)).response).toBe('request_trailers');
      s.end();
      expect(answers.map((a) => a.response)).toEqual(Array(answers.length).fill('request_body'));
      const sent = JSON.parse(upstream);
      expect(sent.messages).toEqual(chat.messages);
      // Rewritten: usage is asked for on the client's behalf, the answer coming back (the pipeline's rewrite).
      expect(sent.stream_options).toEqual({ include_usage: true });
    });
  }

  it('a generation route (/v1/completions) passed on: its body goes on whole, as sent', async () => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, ':path': '/v1/completions' }), protocol_config: STREAMED });
    const body = JSON.stringify({ model: 'qwen3', prompt: 'Write a haiku about {braces}.' });
    const { upstream } = await sendPieces(s, pieces(body, 3));
    await s.send(TRAILERS);
    s.end();
    expect(upstream).toBe(body);
  });

  it('whitespace after the document goes on as sent', async () => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: STREAMED });
    const body = JSON.stringify(chat);
    const { upstream } = await sendPieces(s, [Buffer.from(body.slice(0, 20)), Buffer.from(body.slice(20)), Buffer.from(' \r\n')]);
    await s.send(TRAILERS);
    s.end();
    expect(JSON.parse(upstream).messages).toEqual(chat.messages);
  });

  it('a body still incomplete at the trailers is refused 400 as the gateway refuses it, not forwarded empty', async () => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: STREAMED });
    const body = JSON.stringify(chat);
    await sendPieces(s, [Buffer.from(body.slice(0, 40))]);
    const t = await s.send(TRAILERS);
    s.end();
    expect(t.response).toBe('immediate_response');
    expect(t.immediate_response.status.code).toBe('BadRequest');
  });

  it('more than whitespace after the document: refused 400 invalid_json, as the gateway refuses the whole', async () => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': 'trailers-after' }), protocol_config: STREAMED });
    const { answers } = await sendPieces(s, [Buffer.from(JSON.stringify(chat)), Buffer.from(' {"messages": []}')]);
    s.end();
    expect(answers[0]!.response).toBe('request_body');
    const refusal = answers[1]!;
    expect(refusal.response).toBe('immediate_response');
    expect(refusal.immediate_response.status.code).toBe('BadRequest');
    expect(JSON.parse(dec.decode(refusal.immediate_response.body)).error.code).toBe('invalid_json');
    await expect.poll(() => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'trailers-after').map((l) => [l.obj.status, l.obj.error_reason])).toEqual([[400, 'parse_error']]);
  });

  it('an Envoy that does not say its mode: a whole document in the first chunk, more than whitespace after it: refused the same', async () => {
    const s = h.envoy.open();
    await s.send(requestHeaders({ ...CHAT, 'x-request-id': 'trailers-after-old' }));
    const { answers } = await sendPieces(s, [Buffer.from(JSON.stringify(chat)), Buffer.from(',"messages":[]}')]);
    s.end();
    expect(answers.map((a) => a.response)).toEqual(['request_body', 'immediate_response']);
  });

  it('a JSON answer in STREAMED chunks that ends in response trailers reaches the client whole, its tokens counted', async () => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': 'trailers-answer' }), protocol_config: STREAMED });
    await s.send(requestBody(JSON.stringify(chat)));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const answer = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'Rhine, Danube, Seine {}' }, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 } });
    let client = '';
    for (const p of [answer.slice(0, 50), answer.slice(50, 120), answer.slice(120)]) client += clientBytes(p, await s.send(responseBody(p, false)));
    expect((await s.send({ response_trailers: { trailers: { headers: [] } } })).response).toBe('response_trailers');
    s.end();
    expect(JSON.parse(client)).toEqual(JSON.parse(answer));
    await expect.poll(() => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'trailers-answer').map((l) => l.obj.tokens)).toEqual([{ prompt: 9, completion: 6, total: 15 }]);
  });
});
