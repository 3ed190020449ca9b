// A compressed JSON chat answer (content-encoding gzip, deflate, br: a proxy's; accept-encoding is not
// sent upstream) that Envoy sends in STREAMED chunks, its head gone on before the body. The gateway's
// upstream client decodes it, so the PII restore, the usage and the cache read it. Behind Envoy it went
// on unread: the client got the placeholder (<EMAIL_ADDRESS_1>), no tokens were counted, nothing was
// stored. Now it is read decoded: rewritten (restored), it goes on plain, its head without
// content-encoding; with nothing to rewrite its coded bytes go on as they came and a decoded copy is
// read. A bomb (a small body that decodes to 100 MiB) is never inflated past the held bound.
// Real gRPC, the real pipeline (PII pack, embedding pack, memory cache), Envoy played message by message.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { requestBody, requestHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { CHAT, CODED_PII_CONFIG, completion, cutIn, EMAIL, encode, gzipBomb, requestLines, streamAnswer, type Coding, type Forwarded } from './helpers/extproc-coded.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

/** A gzip body of the completion whose content is `mib` MiB of one letter: ~100 KiB that decodes to that. */
function bomb(mib: number): Promise<Buffer> {
  const [head, tail] = JSON.stringify(completion('@@')).split('@@');
  return gzipBomb(head!, mib, tail!);
}

describe.skipIf(!packsAvailable())('ext_proc: a compressed JSON answer in STREAMED chunks', () => {
  const h = useRealExtProc(CODED_PII_CONFIG, true);
  const line = (id: string) => requestLines(h, id);
  const warned = (id: string, re: RegExp) => h.logs.lines.some((l) => re.test(l.msg ?? '') && l.obj.request_id === id);

  /**
   * One request through ext_proc in `mode`: its body, then the upstream's answer (the completion echoing
   * the text it got, coded in `coding`) cut in `parts` pieces anywhere, the last with end_of_stream.
   * What the client gets: the head as mutated, and each chunk as ext_proc's reply has it.
   */
  async function run(id: string, content: string, coding: Coding, answer: (f: Forwarded) => Buffer | Promise<Buffer> = (f) => encode(Buffer.from(JSON.stringify(completion(`Sent: ${f.messages[0]!.content}`))), coding), parts = 4, trailers = false) {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    const b: Msg = await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content }] })));
    if (b.response !== 'request_body') {
      s.end();
      return { b };
    }
    const forwarded = JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()) as Forwarded;
    const upstream = await answer(forwarded);
    const head: Record<string, string> = { ':status': '200', 'content-type': 'application/json', 'content-encoding': coding, 'content-length': String(upstream.length) };
    const { headers, client } = await streamAnswer(s, head, cutIn(upstream, parts), !trailers);
    const t: Msg | undefined = trailers ? await s.send({ response_trailers: { trailers: { headers: [] } } }) : undefined;
    s.end();
    return { b, forwarded, upstream, headers, client, t };
  }

  for (const coding of ['gzip', 'deflate', 'br'] as const) {
    it(`${coding}: a redacted address is restored, sent plain (content-encoding and the stale content-length removed at the head), its tokens counted`, async () => {
      const id = `coded-json-pii-${coding}`;
      const q = `Write a short note to ${EMAIL} about the ${coding} invoice.`;
      const r = await run(id, q, coding);
      expect(r.forwarded!.messages[0]!.content).not.toContain(EMAIL);
      expect(r.headers!['content-encoding'], 'sent plain').toBeUndefined();
      expect(r.headers!['content-length']).toBeUndefined();
      expect(JSON.parse(r.client!.toString()).choices[0].message.content).toBe(`Sent: ${q}`);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    });
  }

  for (const coding of ['gzip', 'br'] as const) {
    it(`${coding}: nothing to rewrite (nothing redacted): the coded bytes go on as they came, read for the tokens and the cache`, async () => {
      const id = `coded-json-plain-${coding}`;
      const q = coding === 'gzip' ? 'Why is the sky blue in the afternoon?' : 'How many legs does a spider have?';
      const r = await run(id, q, coding, undefined, 7);
      expect(r.headers!['content-encoding']).toBe(coding);
      expect(r.client!.equals(r.upstream!), 'the bytes as they came').toBe(true);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
      const again = await run(`${id}-again`, q, coding);
      expect(again.b.response, 'stored: answered from the cache').toBe('immediate_response');
      expect(setHeaders(again.b.immediate_response.headers)['x-vsr-cache-hit']).toBe('true');
      expect(JSON.parse(Buffer.from(again.b.immediate_response.body).toString()).choices[0].message.content).toBe(`Sent: ${q}`);
    });
  }

  it('gzip ending in trailers (no end_of_stream), restored: judged on the chunk that completes its document, which carries it plain', async () => {
    const id = 'coded-json-trailers';
    const q = `Send ${EMAIL} the trailers memo.`;
    const r = await run(id, q, 'gzip', undefined, 3, true);
    expect(r.t!.response).toBe('response_trailers');
    expect(r.headers!['content-encoding']).toBeUndefined();
    expect(JSON.parse(r.client!.toString()).choices[0].message.content).toBe(`Sent: ${q}`);
    expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    expect(h.logs.lines.some((l) => l.obj.request_id === id && /could not be sent|held/.test(l.msg ?? ''))).toBe(false);
  });

  it('gzip bomb (~100 KiB decoding to 100 MiB), restored answer: not inflated past the bound, ended unread, the client gets none of it', async () => {
    const id = 'coded-json-bomb-pii';
    const r = await run(id, `Mail ${EMAIL} the bomb report.`, 'gzip', () => bomb(100));
    expect(r.upstream!.length).toBeLessThan(200 * 1024);
    expect(r.headers!['content-encoding']).toBeUndefined();
    expect(r.client!.length, 'no decoded text past the bound').toBeLessThan(9 * 1024 * 1024);
    expect(warned(id, /stopped decoding|outgrew/)).toBe(true);
    expect(line(id)).toEqual([expect.not.objectContaining({ tokens: expect.anything() })]);
  });

  it('gzip bomb, nothing to rewrite: its bytes go on as they came, the decoded copy stops at the bound (warned), not stored', async () => {
    const id = 'coded-json-bomb-plain';
    const q = 'How long does a marathon take to run?';
    const r = await run(id, q, 'gzip', () => bomb(100));
    expect(r.headers!['content-encoding']).toBe('gzip');
    expect(r.client!.equals(r.upstream!)).toBe(true);
    expect(warned(id, /outgrew/)).toBe(true);
    expect(line(id)).toEqual([expect.not.objectContaining({ tokens: expect.anything() })]);
    const again = await run(`${id}-again`, q, 'gzip');
    expect(again.b.response, 'not stored: a miss again').toBe('request_body');
  });

  it('gzip that stops decoding, restored answer: ended there, warned, no tokens', async () => {
    const id = 'coded-json-broken';
    const broken = (f: Forwarded) => {
      const whole = encode(Buffer.from(JSON.stringify(completion(`Sent: ${f.messages[0]!.content} ${'and more '.repeat(200)}`))), 'gzip');
      const bad = Buffer.from(whole);
      bad.fill(0xff, Math.floor(whole.length / 2));
      return bad;
    };
    const r = await run(id, `Send ${EMAIL} the broken file.`, 'gzip', broken);
    expect(r.headers!['content-encoding']).toBeUndefined();
    expect(r.client!.toString()).not.toContain('<EMAIL_ADDRESS');
    expect(warned(id, /stopped decoding/)).toBe(true);
    expect(line(id)).toEqual([expect.not.objectContaining({ tokens: expect.anything() })]);
  });
});
