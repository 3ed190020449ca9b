// A compressed chat event stream (content-encoding gzip, deflate, br) in STREAMED mode. accept-encoding
// is not sent upstream, but a proxy between may compress anyway; the HTTP gateway's upstream client
// decodes it, so the PII restore, the usage and the cache read it. Behind Envoy ext_proc let it go
// unread (mode_override NONE): a client whose e-mail address was redacted got the placeholder back
// (<EMAIL_ADDRESS_1>), the usage chunk asked for on its behalf reached it, no tokens were counted and
// nothing was stored. Now a stream that must be rewritten (restored, its usage taken out) is decoded and
// sent plain (content-encoding removed at its head); one that needs no rewrite goes on coded as it came
// while a decoded copy is read for the cache and the tokens.
// Real gRPC, the real pipeline (PII pack, embedding pack, memory cache), Envoy played message by message.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { requestBody, requestHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { CHAT, CODED_PII_CONFIG, CODINGS, contentOf, cutIn, decode, EMAIL, encode, requestLines, streamAnswer, upstreamSse, type Coding, type Forwarded } from './helpers/extproc-coded.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

describe.skipIf(!packsAvailable())('ext_proc: a compressed chat stream in STREAMED mode', () => {
  const h = useRealExtProc(CODED_PII_CONFIG, true);
  const line = (id: string) => requestLines(h, id);

  /**
   * One request through ext_proc: its body, then the upstream's answer `sse` coded in `coding`, cut in
   * `parts` pieces anywhere, the last with end_of_stream. What the client gets: the head as mutated, and
   * each chunk as ext_proc's reply has it (all of the rest as it came where Envoy was told NONE).
   */
  async function run(id: string, content: string, coding: Coding, extra: Record<string, unknown> = {}, answer: (forwarded: Forwarded) => Buffer | Promise<Buffer[]> = (f) => encode(Buffer.from(upstreamSse(f)), coding), parts = 4) {
    const s = h.envoy.open();
    // Envoy says its STREAMED mode: the usage is asked for on the client's behalf (and taken out again).
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    const b: Msg = await s.send(requestBody(JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content }], ...extra })));
    if (b.response !== 'request_body') {
      s.end();
      return { b };
    }
    const forwarded = JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()) as Forwarded;
    const coded = await answer(forwarded);
    // One buffer is cut in `parts` pieces anywhere; a list is the chunks as they come.
    const pieces = Array.isArray(coded) ? coded : cutIn(coded, parts);
    const upstream = Buffer.concat(pieces);
    const head: Record<string, string> = { ':status': '200', 'content-type': 'text/event-stream', 'content-encoding': coding };
    const { rh, headers, client } = await streamAnswer(s, head, pieces);
    s.end();
    return { b, forwarded, upstream, rh, headers, client, text: decode(client, headers['content-encoding']).toString() };
  }

  for (const coding of CODINGS) {
    it(`${coding}: a redacted address is restored and the usage asked for it taken out: sent plain, its tokens counted`, async () => {
      const id = `coded-pii-${coding}`;
      const r = await run(id, `Write a short note to ${EMAIL} about the ${coding} invoice.`, coding);
      expect(r.forwarded!.messages[0]!.content).not.toContain(EMAIL);
      expect(r.forwarded!.stream_options?.include_usage, 'asked for on the client\'s behalf').toBe(true);
      expect(r.rh!.mode_override?.response_body_mode).toBe('STREAMED');
      expect(r.headers!['content-encoding'], 'sent plain').toBeUndefined();
      expect(contentOf(r.text!)).toBe(`Write a short note to ${EMAIL} about the ${coding} invoice.`);
      expect(r.text).not.toContain('"usage"');
      expect(r.text!.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    });

    it(`${coding}: nothing to rewrite (its own include_usage, nothing redacted): the coded chunks go on as they came, read for the tokens and the cache`, async () => {
      const id = `coded-plain-${coding}`;
      const q = `Why is the sky blue in the afternoon (${coding})?`;
      const r = await run(id, q, coding, { stream_options: { include_usage: true } });
      expect(r.rh!.mode_override?.response_body_mode).toBe('STREAMED');
      expect(r.headers!['content-encoding']).toBe(coding);
      expect(r.client!.equals(r.upstream!), 'the bytes as they came').toBe(true);
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
      // The same question again is answered from the cache, with the streamed text.
      const again = await run(`${id}-again`, q, coding, { stream_options: { include_usage: true } });
      expect(again.b.response).toBe('immediate_response');
      expect(setHeaders(again.b.immediate_response.headers)['x-vsr-cache-hit']).toBe('true');
      expect(contentOf(Buffer.from(again.b.immediate_response.body).toString())).toBe(q);
    });
  }

  // A proxy that compresses an event stream flushes after each event: each chunk then decodes to whole events.
  for (const [coding, pii] of CODINGS.flatMap((c) => [[c, true], [c, false]] as const)) {
    it(`${coding} flushed per event, ${pii ? 'restored' : 'nothing redacted, its usage taken out'}: each chunk's events sent plain`, async () => {
      const flushed = (f: Forwarded) => new Promise<Buffer[]>((resolve) => {
        const z = coding === 'gzip' ? zlib.createGzip() : coding === 'deflate' ? zlib.createDeflate() : zlib.createBrotliCompress();
        const chunks: Buffer[] = [];
        let at: Buffer[] = [];
        z.on('data', (c: Buffer) => at.push(c));
        const events = upstreamSse(f).split(/(?<=\n\n)/);
        const next = (i: number): void => {
          if (i === events.length) {
            z.end(() => resolve([...chunks, Buffer.concat(at)]));
            return;
          }
          z.write(events[i]!);
          z.flush(() => {
            chunks.push(Buffer.concat(at));
            at = [];
            next(i + 1);
          });
        };
        next(0);
      });
      const id = `coded-flushed-${coding}-${pii}`;
      // (Questions far apart: a close one would be a cache hit.)
      const q = pii ? `Mail ${EMAIL} the ${coding} report.` : { gzip: 'List three uses of copper in electronics.', deflate: 'Name a famous painting by Vermeer.', br: 'How long does a marathon take to run?' }[coding];
      const r = await run(id, q, coding, {}, flushed);
      expect(r.headers!['content-encoding']).toBeUndefined();
      expect(contentOf(r.text!)).toBe(q);
      expect(r.text).not.toContain('"usage"');
      expect(line(id)).toEqual([expect.objectContaining({ status: 200, tokens: { prompt: 11, completion: 7, total: 18 } })]);
    });
  }

  it('gzip, sent plain: a stream whose usage was taken out (nothing redacted) is stored too', async () => {
    const q = 'How do tides follow the moon around the earth?';
    const r = await run('coded-strip-store', q, 'gzip');
    expect(r.headers!['content-encoding']).toBeUndefined();
    expect(contentOf(r.text!)).toBe(q);
    const again = await run('coded-strip-store-again', q, 'gzip');
    expect(again.b.response).toBe('immediate_response');
  });

  it('gzip, nothing to rewrite, ended before it is whole (no finish_reason, no [DONE]): its bytes as they came (no event added to coded bytes), counted as cut, not stored', async () => {
    const q = 'Which planet has the shortest day of all?';
    const cut = (f: Forwarded) => encode(Buffer.from(upstreamSse(f).split('\n\n').slice(0, 2).join('\n\n') + '\n\n'), 'gzip');
    const r = await run('coded-cut', q, 'gzip', { stream_options: { include_usage: true } }, cut);
    expect(r.headers!['content-encoding']).toBe('gzip');
    expect(r.client!.equals(r.upstream!)).toBe(true);
    expect(line('coded-cut')).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
    const again = await run('coded-cut-again', q, 'gzip', { stream_options: { include_usage: true } });
    expect(again.b.response, 'not stored: a miss again').toBe('request_body');
  });

  it('gzip that stops decoding mid-stream: the client gets the plain text so far and the upstream_stream_cut event; not stored', async () => {
    const q = 'What makes a volcano erupt so suddenly?';
    const broken = (f: Forwarded) => {
      const whole = encode(Buffer.from(upstreamSse(f)), 'gzip');
      const bad = Buffer.from(whole);
      bad.fill(0xff, Math.floor(whole.length / 2)); // the second half is no deflate data
      return bad;
    };
    const r = await run('coded-broken', q, 'gzip', {}, broken);
    expect(r.headers!['content-encoding']).toBeUndefined();
    expect(r.text).toContain('"code":"upstream_stream_cut"');
    expect(line('coded-broken')).toEqual([expect.objectContaining({ error_reason: 'stream_error' })]);
    expect(h.logs.lines.some((l) => /stopped decoding/.test(l.msg ?? '') && l.obj.request_id === 'coded-broken')).toBe(true);
    const again = await run('coded-broken-again', q, 'gzip');
    expect(again.b.response, 'not stored: a miss again').toBe('request_body');
  });
});
