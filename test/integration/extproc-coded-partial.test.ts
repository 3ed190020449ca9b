// A compressed chat event stream (content-encoding gzip, deflate, br: a proxy's) in Envoy's
// BUFFERED_PARTIAL body mode: an answer that fits Envoy's buffer comes whole in one message with
// end_of_stream, and Envoy holds its head for the body's answer; a longer one's first part comes alone.
// ext_proc left a compressed stream unread there: the client got the placeholder (<EMAIL_ADDRESS_1>),
// no tokens were counted, nothing was stored. Now a whole one is read decoded: rewritten (restored) it
// goes on plain, the body's answer removing content-encoding and setting content-length; with nothing to
// rewrite its bytes go on as they came. A first part, whose rest follows coded, goes on as it came; a
// bomb is not inflated past one message and goes on as it came.
// Real gRPC, the real pipeline (PII pack, embedding pack, memory cache), Envoy played message by message.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseHeaders, type Msg } from './helpers/envoy-client.ts';
import { applyMutation, CHAT, CODED_PII_CONFIG, contentOf, decode, EMAIL, encode, gzipBomb, requestLines, upstreamSse as sse, type Coding, type Forwarded } from './helpers/extproc-coded.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

/** The upstream's stream echoing the text it got in three deltas, the usage chunk (the client asked) and [DONE]. */
const upstreamSse = (f: Forwarded) => sse(f, 3, true);

describe.skipIf(!packsAvailable())('ext_proc: a compressed chat stream in BUFFERED_PARTIAL mode', () => {
  const h = useRealExtProc(CODED_PII_CONFIG, true);
  const line = (id: string) => requestLines(h, id);

  /**
   * One request: its body, then the upstream's answer in one BUFFERED_PARTIAL message (`whole`: with
   * end_of_stream, else a first part). What the client gets: the head as both answers change it (Envoy
   * holds it for the body), and the body as the body's answer has it.
   */
  async function run(id: string, content: string, coding: Coding, whole = true, answer: (f: Forwarded) => Buffer | Promise<Buffer> = (f) => encode(Buffer.from(upstreamSse(f)), coding)) {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED_PARTIAL' } });
    const b: Msg = await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content }] })));
    if (b.response !== 'request_body') {
      s.end();
      return { b };
    }
    const forwarded = JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()) as Forwarded;
    const upstream = await answer(forwarded);
    const head: Record<string, string> = { ':status': '200', 'content-type': 'text/event-stream', 'content-encoding': coding };
    const rh: Msg = await s.send(responseHeaders(head));
    const headers = applyMutation({ ...head }, rh.response_headers.response?.header_mutation);
    const r: Msg = await s.send({ response_body: { body: upstream, end_of_stream: whole } });
    s.end();
    const c = r.response_body.response;
    applyMutation(headers, c?.header_mutation);
    const client = c?.body_mutation?.clear_body ? Buffer.alloc(0) : c?.body_mutation?.body ? Buffer.from(c.body_mutation.body) : upstream;
    return { b, forwarded, upstream, headers, client, text: () => decode(client, headers['content-encoding']).toString() };
  }

  for (const coding of ['gzip', 'deflate', 'br'] as const) {
    it(`${coding}, whole: a redacted address is restored and sent plain (content-encoding removed, content-length set by the body's answer), its tokens counted`, async () => {
      const id = `partial-coded-pii-${coding}`;
      const q = `Write a short note to ${EMAIL} about the ${coding} invoice.`;
      const r = await run(id, q, coding);
      expect(r.forwarded!.messages[0]!.content).not.toContain(EMAIL);
      expect(r.headers!['content-encoding'], 'sent plain').toBeUndefined();
      expect(Number(r.headers!['content-length'])).toBe(r.client!.length);
      expect(contentOf(r.text!())).toBe(q);
      expect(r.text!().endsWith('data: [DONE]\n\n')).toBe(true);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    });
  }

  it('gzip, whole, nothing to rewrite (nothing redacted): the coded bytes go on as they came, read for the tokens and the cache', async () => {
    const id = 'partial-coded-plain';
    const q = 'Why is the sky blue in the afternoon?';
    const r = await run(id, q, 'gzip');
    expect(r.headers!['content-encoding']).toBe('gzip');
    expect(r.client!.equals(r.upstream!), 'the bytes as they came').toBe(true);
    expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    const again = await run(`${id}-again`, q, 'gzip');
    expect(again.b.response, 'stored: answered from the cache').toBe('immediate_response');
    expect(contentOf(Buffer.from(again.b.immediate_response.body).toString())).toBe(q);
  });

  it('gzip, a first part (no end_of_stream; the rest follows coded): it goes on as it came, its head coded', async () => {
    const id = 'partial-coded-part';
    const r = await run(id, `Mail ${EMAIL} the first part.`, 'gzip', false, (f) => encode(Buffer.from(upstreamSse(f)), 'gzip').subarray(0, 40));
    expect(r.headers!['content-encoding']).toBe('gzip');
    expect(r.client!.equals(r.upstream!)).toBe(true);
    expect(line(id)).toEqual([expect.objectContaining({ status: 200 })]);
  });

  it('gzip bomb, whole (~100 KiB decoding to 100 MiB): not inflated past one message, its bytes go on as they came, counted as cut, not stored', async () => {
    const id = 'partial-coded-bomb';
    const q = 'How long does a marathon take to run?';
    const bomb = (f: Forwarded) => gzipBomb(upstreamSse(f).slice(0, 40), 100);
    const r = await run(id, q, 'gzip', true, bomb);
    expect(r.upstream!.length).toBeLessThan(200 * 1024);
    expect(r.headers!['content-encoding']).toBe('gzip');
    expect(r.client!.equals(r.upstream!)).toBe(true);
    expect(h.logs.lines.some((l) => /stopped decoding/.test(l.msg ?? '') && l.obj.request_id === id)).toBe(true);
    expect(line(id)).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
    const again = await run(`${id}-again`, q, 'gzip');
    expect(again.b.response, 'not stored: a miss again').toBe('request_body');
  });
});
