// PII restore on the ext_proc path over a real gRPC socket, with Envoy played message by message: the
// same restore tap as the gateway's, reached through ext_proc's buffered JSON answer and its STREAMED
// SSE rewriter. The pipeline is a stand-in that forwards with a restore map, as piiStage would.
import { describe, expect, it } from 'vitest';
import { restoreTap } from '../../src/guard/redaction.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps } from './helpers/extproc-fakes.ts';
import { forwardingPipeline, useExtProc } from './helpers/extproc-server.ts';

const RESTORE = new Map([['<EMAIL_ADDRESS_2>', 'ann@example.com']]);
const deps = fakeDeps();
const pipeline = forwardingPipeline([restoreTap(RESTORE)]);

describe('ext_proc PII restore', () => {
  const ext = useExtProc(deps, { pipeline });

  const open = async (stream: boolean, contentType: string) => {
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    await s.send(requestBody(JSON.stringify({ model: 'MoM', stream, messages: [{ role: 'user', content: 'hi' }] })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': contentType }));
    return s;
  };

  it('choices[].message.refusal in a buffered JSON answer, a retyped placeholder too', async () => {
    const s = await open(false, 'application/json');
    const answer = { id: 'c', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'No mail to <EMAIL_ADDRESS_2> or <email address 2>.' }, finish_reason: 'stop' }] };
    const rb = await s.send(responseBody(JSON.stringify(answer)));
    const sent = JSON.parse(Buffer.from(rb.response_body.response.body_mutation.body).toString());
    expect(sent.choices[0].message.refusal).toBe('No mail to ann@example.com or ann@example.com.');
    s.end();
  });

  it('choices[].delta.refusal in a STREAMED SSE answer, placeholders split over body chunks', async () => {
    const s = await open(true, 'text/event-stream');
    const ev = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const sse = ev({ refusal: 'No mail to <EMAIL_ADD' }) + ev({ refusal: 'RESS_2> or <Email_Ad' }) + ev({ refusal: 'dress_2>.' }) + ev({}, 'stop') + 'data: [DONE]\n\n';
    const cuts = [sse.indexOf('_ADD') + 2, sse.indexOf('<Email') + 4, sse.length];
    let out = '';
    let at = 0;
    for (const cut of cuts) {
      const rb = await s.send(responseBody(sse.slice(at, cut), cut === sse.length));
      const m = rb.response_body.response?.body_mutation;
      out += m?.body?.length ? Buffer.from(m.body).toString() : m?.clear_body ? '' : sse.slice(at, cut);
      at = cut;
    }
    const events = out.split('\n\n').filter((e) => e.trim());
    const refusal = events.filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)).choices[0].delta.refusal ?? '').join('');
    expect(refusal).toBe('No mail to ann@example.com or ann@example.com.');
    expect(events.at(-1)).toBe('data: [DONE]');
    s.end();
  });
  it('a STREAMED answer that ends cleanly before it is whole: restored text, then the upstream_stream_cut event', async () => {
    const s = await open(true, 'text/event-stream');
    const ev = (delta: object) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
    const sse = ev({ content: 'Mail <EMAIL_ADD' }) + ev({ content: 'RESS_2> now' });
    const cut = sse.indexOf('_ADD') + 2;
    let out = '';
    for (const [part, end] of [[sse.slice(0, cut), false], [sse.slice(cut), true]] as const) {
      const m = (await s.send(responseBody(part, end))).response_body.response?.body_mutation;
      out += m?.body?.length ? Buffer.from(m.body).toString() : m?.clear_body ? '' : part;
    }
    const events = out.split('\n\n').filter((e) => e.trim());
    expect(events.slice(0, -1).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content).join('')).toBe('Mail ann@example.com now');
    expect(JSON.parse(events.at(-1)!.slice(6)).error.code).toBe('upstream_stream_cut');
    s.end();
  });
  it('STREAMED chunks cut inside multibyte characters and a placeholder, then an empty end_of_stream chunk', async () => {
    const s = await open(true, 'text/event-stream');
    const ev = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const text = 'Grüße — <Email Address 2>😀 日本 x<EMAIL_ADDRESS_2>y';
    const bytes = new TextEncoder().encode(ev({ content: text.slice(0, 14) }) + ev({ content: text.slice(14) }) + ev({}, 'stop') + 'data: [DONE]\n\n');
    // Byte offsets inside ü (2 bytes), — (3), 😀 (4), 日 (3) and the second placeholder.
    const inside = (ch: string, k: number) => Buffer.from(bytes).indexOf(Buffer.from(ch)) + k;
    const cuts = [inside('ü', 1), inside('—', 2), inside('😀', 1), inside('😀', 3), inside('日', 2), inside('_ADDRESS_2>y', 3), bytes.length];
    const sent: Buffer[] = [];
    let at = 0;
    for (const cut of cuts) {
      const rb = await s.send({ response_body: { body: Buffer.from(bytes.subarray(at, cut)), end_of_stream: false } });
      const m = rb.response_body.response?.body_mutation;
      sent.push(m?.body?.length ? Buffer.from(m.body) : m?.clear_body ? Buffer.alloc(0) : Buffer.from(bytes.subarray(at, cut)));
      at = cut;
    }
    // Envoy ends the body with an empty chunk when the upstream's end came after its last data.
    const last = await s.send({ response_body: { body: Buffer.alloc(0), end_of_stream: true } });
    const lm = last.response_body.response?.body_mutation;
    if (lm?.body?.length) sent.push(Buffer.from(lm.body));
    const out = Buffer.concat(sent).toString('utf8');
    expect(out).not.toContain('\uFFFD');
    const events = out.split('\n\n').filter((e) => e.trim());
    const content = events.filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content ?? '').join('');
    expect(content).toBe('Grüße — ann@example.com😀 日本 xann@example.comy');
    expect(events.at(-1)).toBe('data: [DONE]');
    s.end();
  });
});
