// Compressed chat answers (content-encoding gzip, br: a proxy's) in Envoy's FULL_DUPLEX_STREAMED body
// mode (the Gateway API Inference Extension's), where Envoy writes every chunk without waiting and takes
// body answers only as streamed_response, the head answered before the body. An event stream is read
// decoded as in STREAMED (stream-coded.ts); a JSON answer was left unread (the client got the
// placeholder <EMAIL_ADDRESS_1>, no tokens, nothing stored) and is now read decoded too
// (coded-json-chunks.ts), before the trailers where it ends in them. Rewritten, either goes on plain
// (content-encoding removed at the head); with nothing to rewrite its bytes go on as they came.
// Real gRPC with a client that writes as full-duplex Envoy does; the real pipeline (PII and embedding
// packs, memory cache).
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseHeaders, type Msg } from './helpers/envoy-client.ts';
import { applyMutation, CHAT, CODED_PII_CONFIG, completion, contentOf, cutIn, decode, duplexStream, EMAIL, encode, requestLines, upstreamSse, type Forwarded } from './helpers/extproc-coded.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

type Coding = 'gzip' | 'br';
const DUPLEX = { request_body_mode: 'FULL_DUPLEX_STREAMED', response_body_mode: 'FULL_DUPLEX_STREAMED' };
const upstreamJson = (f: Forwarded) => JSON.stringify(completion(`Sent: ${f.messages[0]!.content}`));

const streamed = (m: Msg) => m.response_body?.response?.body_mutation?.streamed_response;

describe.skipIf(!packsAvailable())('ext_proc: compressed answers in FULL_DUPLEX_STREAMED mode', () => {
  const h = useRealExtProc(CODED_PII_CONFIG, true);
  const line = (id: string) => requestLines(h, id);

  /**
   * One request: the body, then the upstream's answer (`sse` or JSON, coded) in `parts` chunks written
   * at once, the last with end_of_stream, or none with it and trailers after (`trailers`). What the
   * client gets: the head as mutated and the streamed_responses' bytes.
   */
  async function run(id: string, content: string, coding: Coding, kind: 'sse' | 'json', opts: { usage?: boolean; parts?: number; trailers?: boolean } = {}) {
    const s = duplexStream(`127.0.0.1:${h.ext.port}`);
    try {
      s.write({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: DUPLEX });
      s.write(requestBody(JSON.stringify({ model: 'qwen3', ...(kind === 'sse' ? { stream: true } : {}), ...(opts.usage ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content }] })));
      const first = await s.until((g) => g.some((m) => m.request_body || m.immediate_response));
      const hit = first.find((m) => m.immediate_response);
      if (hit) return { hit };
      const forwarded = JSON.parse(Buffer.from(first.find((m) => m.request_body)!.request_body.response.body_mutation.streamed_response.body).toString()) as Forwarded;
      const upstream = encode(Buffer.from(kind === 'sse' ? upstreamSse(forwarded, 2) : upstreamJson(forwarded)), coding);
      const head: Record<string, string> = { ':status': '200', 'content-type': kind === 'sse' ? 'text/event-stream' : 'application/json', 'content-encoding': coding };
      s.write(responseHeaders(head));
      const [rh] = await s.until((g) => g.some((m) => m.response_headers));
      const headers = applyMutation({ ...head }, rh!.response_headers.response?.header_mutation);
      const pieces = cutIn(upstream, opts.parts ?? 4);
      for (const [i, piece] of pieces.entries()) s.write({ response_body: { body: piece, end_of_stream: !opts.trailers && i === pieces.length - 1 } });
      if (opts.trailers) s.write({ response_trailers: { trailers: { headers: [] } } });
      const answers = await s.until((g) => (opts.trailers ? g.some((a) => a.response_trailers) : g.some((a) => streamed(a)?.end_of_stream)));
      const client = Buffer.concat(answers.filter(streamed).map((a) => Buffer.from(streamed(a).body ?? [])));
      return { forwarded, upstream, headers, client, answers, text: () => decode(client, headers['content-encoding']).toString() };
    } finally {
      s.close();
    }
  }

  for (const coding of ['gzip', 'br'] as const) {
    it(`${coding} event stream, restored: sent plain (content-encoding removed at the head), the usage asked for it taken out, its tokens counted`, async () => {
      const id = `duplex-coded-sse-pii-${coding}`;
      const q = `Write a short note to ${EMAIL} about the ${coding} invoice.`;
      const r = await run(id, q, coding, 'sse');
      expect(r.forwarded!.messages[0]!.content).not.toContain(EMAIL);
      expect(r.forwarded!.stream_options?.include_usage, "asked for on the client's behalf").toBe(true);
      expect(r.headers!['content-encoding']).toBeUndefined();
      expect(contentOf(r.text!())).toBe(q);
      expect(r.text!()).not.toContain('"usage"');
      expect(r.text!().endsWith('data: [DONE]\n\n')).toBe(true);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    });

    it(`${coding} JSON answer, restored: sent plain (content-encoding removed at the head), its tokens counted`, async () => {
      const id = `duplex-coded-json-pii-${coding}`;
      const q = `Mail ${EMAIL} the ${coding} report.`;
      const r = await run(id, q, coding, 'json');
      expect(r.headers!['content-encoding']).toBeUndefined();
      expect(JSON.parse(r.client!.toString()).choices[0].message.content).toBe(`Sent: ${q}`);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    });
  }

  it('gzip event stream, nothing to rewrite (its own include_usage, nothing redacted): the coded bytes go on as they came, stored', async () => {
    const id = 'duplex-coded-sse-plain';
    const q = 'Why is the sky blue in the afternoon?';
    const r = await run(id, q, 'gzip', 'sse', { usage: true, parts: 5 });
    expect(r.headers!['content-encoding']).toBe('gzip');
    expect(r.client!.equals(r.upstream!)).toBe(true);
    expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    const again = await run(`${id}-again`, q, 'gzip', 'sse', { usage: true });
    expect(again.hit, 'stored: answered from the cache').toBeDefined();
  });

  it('gzip JSON answer, nothing to rewrite: the coded bytes go on as they came, its tokens counted, stored', async () => {
    const id = 'duplex-coded-json-plain';
    const q = 'How many legs does a spider have?';
    const r = await run(id, q, 'gzip', 'json', { parts: 5 });
    expect(r.headers!['content-encoding']).toBe('gzip');
    expect(r.client!.equals(r.upstream!)).toBe(true);
    expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    const again = await run(`${id}-again`, q, 'gzip', 'json');
    expect(again.hit, 'stored: answered from the cache').toBeDefined();
  });

  it('gzip JSON answer ending in trailers, restored: the plain body goes before the trailers', async () => {
    const id = 'duplex-coded-json-trailers';
    const q = `Send ${EMAIL} the trailers memo.`;
    const r = await run(id, q, 'gzip', 'json', { trailers: true });
    expect(r.answers!.at(-1)!.response).toBe('response_trailers');
    expect(r.headers!['content-encoding']).toBeUndefined();
    expect(JSON.parse(r.client!.toString()).choices[0].message.content).toBe(`Sent: ${q}`);
    expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
  });
});
