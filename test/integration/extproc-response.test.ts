// The ext_proc response path over a real gRPC socket, with Envoy played message by message and the
// recording pipeline of extproc-protocol: buffered JSON answers run the taps, SSE answers are never
// buffered (streamed through a tap only when one reads or rewrites them), concurrent streams keep apart.
import { describe, expect, it } from 'vitest';
import { restoreTap } from '../../src/guard/redaction.ts';
import type { ResponseTap } from '../../src/pipeline/context.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps, forward, recordingPipeline, type Script } from './helpers/extproc-fakes.ts';
import { useExtProc } from './helpers/extproc-server.ts';

describe('ext_proc response path (Envoy played by a grpc-js client)', () => {
  let script: Script = { outcome: () => ({ kind: 'pass', reason: 'unset' }) };
  const pipeline = recordingPipeline({ outcome: (i) => script.outcome(i) });
  const deps = fakeDeps({ clear_route_cache: true });

  const ext = useExtProc(deps, { pipeline });

  it('a buffered JSON response runs the taps: json() may rewrite it (content-length reset), done() sees it', async () => {
    const seen: unknown[] = [];
    const taps: ResponseTap[] = [
      { name: 'restore', json: (c) => ({ ...c, restored: true }) },
      { name: 'store', done: (a) => void seen.push(a) },
    ];
    script = { outcome: () => forward({ model: 'qwen3-math', messages: [] }, taps) };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    await s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}'));
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    expect(rh.mode_override).toBeFalsy();
    const rb = await s.send(responseBody('{"id":"c1","choices":[]}'));
    const mutated = Buffer.from(rb.response_body.response.body_mutation.body);
    expect(JSON.parse(mutated.toString())).toEqual({ id: 'c1', choices: [], restored: true });
    expect(setHeaders(rb.response_body.response.header_mutation)['content-length']).toBe(String(mutated.length));
    expect(seen).toEqual([{ status: 200, completion: { id: 'c1', choices: [], restored: true } }]);
    s.end();
  });

  it('an SSE answer is never buffered: untouched (NONE) with no taps; with a done tap only, STREAMED and read, not rewritten', async () => {
    script = { outcome: () => forward({ model: 'qwen3-math', messages: [] }) };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    await s.send(requestBody('{"model":"MoM","stream":true,"messages":[{"role":"user","content":"hi"}]}'));
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(rh.mode_override.response_body_mode).toBe('NONE');
    s.end();

    const seen: Array<{ completion: Record<string, any>; sse?: string[] }> = [];
    script = { outcome: () => forward({ model: 'qwen3-math', messages: [] }, [{ name: 'store', done: (a) => void seen.push(a) }]) };
    const d = ext.client.open();
    await d.send(requestHeaders(CHAT));
    await d.send(requestBody('{"model":"MoM","stream":true,"messages":[{"role":"user","content":"hi"}]}'));
    const dh = await d.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream', 'content-length': '999' }));
    expect(dh.mode_override.response_body_mode).toBe('STREAMED');
    // Nothing is rewritten, so the declared length stays right and is kept.
    expect(dh.response_headers.response.header_mutation.remove_headers ?? []).not.toContain('content-length');
    const ev = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'qwen3-math', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const sse = ev({ role: 'assistant', content: '' }) + ev({ content: 'Hel' }) + ev({ content: 'lo' }) + ev({}, 'stop') + 'data: [DONE]\n\n';
    const cuts = [7, sse.indexOf('Hel') + 2, sse.length];
    let at = 0;
    for (const cut of cuts) {
      const rb = await d.send(responseBody(sse.slice(at, cut), cut === sse.length));
      // Each chunk goes on as it came: a plain CONTINUE, no mutation.
      expect(rb.response_body.response.body_mutation).toBeFalsy();
      at = cut;
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]!.completion.choices[0]).toMatchObject({ message: { content: 'Hello' }, finish_reason: 'stop' });
    expect(seen[0]!.sse!.map((e) => `${e}\n\n`).join('')).toBe(sse);
    d.end();
  });

  it('an SSE answer with a PII restore tap is streamed through it: placeholders split over body chunks come back restored', async () => {
    const tap = restoreTap(new Map([['<EMAIL_ADDRESS_1>', 'ann@example.com']]));
    script = { outcome: () => forward({ model: 'qwen3-math', messages: [] }, [tap]) };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    await s.send(requestBody('{"model":"MoM","stream":true,"messages":[{"role":"user","content":"hi"}]}'));
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(rh.mode_override.response_body_mode).toBe('STREAMED');
    expect(rh.response_headers.response.header_mutation.remove_headers).toContain('content-length');
    const ev = (content: string | null, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] })}\r\n\r\n`;
    const sse = ev('Mail <EMAIL_AD') + ev('DRESS_1> now') + ev(null, 'stop') + 'data: [DONE]\r\n\r\n';
    // Envoy's chunks fall anywhere: inside a data line, inside a CRLF, inside the placeholder.
    const cuts = [5, sse.indexOf('_AD') + 1, sse.indexOf('\r\n') + 1, sse.indexOf('DRESS') + 2, sse.length];
    let client_ = '';
    let at = 0;
    for (const cut of cuts) {
      const rb = await s.send(responseBody(sse.slice(at, cut), cut === sse.length));
      // What Envoy sends on: the replacement, nothing (clear_body), or the chunk as it came.
      const m = rb.response_body.response?.body_mutation;
      client_ += m?.body?.length ? Buffer.from(m.body).toString() : m?.clear_body ? '' : sse.slice(at, cut);
      at = cut;
    }
    const events = client_.split('\n\n').filter((e) => e.trim());
    const content = events
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)).choices[0].delta.content ?? '')
      .join('');
    expect(content).toBe('Mail ann@example.com now');
    expect(events.at(-1)).toBe('data: [DONE]');
    s.end();
    // A compressed SSE answer is decoded and, rewritten, sent plain (extproc-stream-coded.test.ts).
    const z = ext.client.open();
    await z.send(requestHeaders(CHAT));
    await z.send(requestBody('{"model":"MoM","stream":true,"messages":[{"role":"user","content":"hi"}]}'));
    const zh = await z.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }));
    expect(zh.mode_override.response_body_mode).toBe('STREAMED');
    expect(zh.response_headers.response.header_mutation.remove_headers).toContain('content-encoding');
    z.end();
    // A choice that ends without finish_reason: what the restorer held goes out before [DONE].
    script = { outcome: () => forward({ model: 'qwen3-math', messages: [] }, [restoreTap(new Map([['<EMAIL_ADDRESS_1>', 'ann@example.com']]))]) };
    const h = ext.client.open();
    await h.send(requestHeaders(CHAT));
    await h.send(requestBody('{"model":"MoM","stream":true,"messages":[{"role":"user","content":"hi"}]}'));
    await h.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const last = await h.send(responseBody(`${ev('to <EMAIL_ADDRESS_1> or <EMAIL').replace(/\r/g, '')}data: [DONE]\n\n`, true));
    const sent = Buffer.from(last.response_body.response.body_mutation.body).toString();
    const held = sent.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content).join('');
    expect(held).toBe('to ann@example.com or <EMAIL');
    expect(sent.endsWith('data: [DONE]\n\n')).toBe(true);
    h.end();
  });

  it('many concurrent streams each get their own answers', async () => {
    script = { outcome: (i) => forward(JSON.parse(Buffer.from(i.body).toString())) };
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const s = ext.client.open();
        await s.send(requestHeaders(CHAT));
        const b = await s.send(requestBody(JSON.stringify({ model: 'MoM', n, messages: [] })));
        s.end();
        return JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()).n;
      }),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });
});
