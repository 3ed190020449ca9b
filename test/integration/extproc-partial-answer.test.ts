// Envoy's BUFFERED_PARTIAL response mode: an answer longer than Envoy's buffer reaches ext_proc only in
// its first part (one message without end_of_stream); the rest goes to the client without ext_proc. So
// nothing of that part may be held back for a next message that never comes: an event the part ends
// inside must go on with it, or the client's stream loses those bytes (the rest begins mid-event).
// Real gRPC (Envoy played by a grpc-js client).
import { describe, expect, it } from 'vitest';
import { restoreTap } from '../../src/guard/redaction.ts';
import { clientBytes, requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps } from './helpers/extproc-fakes.ts';
import { forwardingPipeline, useExtProc } from './helpers/extproc-server.ts';

const ev = (content: string) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

describe('ext_proc: BUFFERED_PARTIAL response mode, an event stream past Envoy\'s buffer', () => {
  const deps = fakeDeps();
  const ext = useExtProc(deps, { pipeline: forwardingPipeline([restoreTap(new Map([['<EMAIL_ADDRESS_2>', 'ann@example.com']]))]) });

  it('the part ext_proc sees goes on whole (its last event cut or not), so the rest Envoy sends on fits after it', async () => {
    const sse = ev('Mail <EMAIL_ADDRESS_2>') + ev('and more text') + ev('end') + 'data: [DONE]\n\n';
    const cut = sse.indexOf('more') + 2;
    const s = ext.client.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED_PARTIAL' } });
    await s.send(requestBody(JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'hi' }] })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const part = clientBytes(sse.slice(0, cut), await s.send(responseBody(sse.slice(0, cut), false)));
    s.end();
    // What the client gets: this part as ext_proc answered it, then the rest straight from Envoy.
    const client = part + sse.slice(cut);
    const events = client.split('\n\n').filter((e) => e.startsWith('data: {'));
    expect(events.map((e) => JSON.parse(e.slice(6)).choices[0].delta.content)).toEqual(['Mail ann@example.com', 'and more text', 'end']);
  });

  it('an answer that fits Envoy\'s buffer (end_of_stream on its one message) is restored whole', async () => {
    const sse = ev('Mail <EMAIL_ADDRESS_2>') + ev('end') + 'data: [DONE]\n\n';
    const s = ext.client.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED_PARTIAL' } });
    await s.send(requestBody(JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'hi' }] })));
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(rh.mode_override?.response_body_mode).toBeUndefined();
    const client = clientBytes(sse, await s.send(responseBody(sse, true)));
    s.end();
    expect(client).toBe(ev('Mail ann@example.com') + ev('end') + 'data: [DONE]\n\n');
    expect(deps.logs.some((l) => l.includes('outgrew'))).toBe(false);
  });

  it('response headers skipped as well (SKIP): the part still goes on whole', async () => {
    const sse = ev('Mail <EMAIL_ADDRESS_2>') + ev('and more text') + ev('end') + 'data: [DONE]\n\n';
    const cut = sse.indexOf('more') + 2;
    const s = ext.client.open();
    await s.send({ ...requestHeaders(CHAT), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED_PARTIAL' } });
    await s.send(requestBody(JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'hi' }] })));
    const part = clientBytes(sse.slice(0, cut), await s.send(responseBody(sse.slice(0, cut), false)));
    s.end();
    const events = (part + sse.slice(cut)).split('\n\n').filter((e) => e.startsWith('data: {'));
    expect(events.map((e) => JSON.parse(e.slice(6)).choices[0].delta.content)).toEqual(['Mail ann@example.com', 'and more text', 'end']);
  });
});
