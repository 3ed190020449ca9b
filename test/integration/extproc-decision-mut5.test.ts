// Mutation audit 5 of ext_proc: the routing decision as Envoy receives it. Mutants that survived the
// extproc suites: H7 (extproc.rewrite_path ignored: :path never set; no test set the option), D1 (in
// FULL_DUPLEX_STREAMED the body's clear_route_cache dropped from the held request headers' answer:
// Envoy kept the route it picked before x-selected-model was set, so routes keyed on it went wrong),
// R1 (the x-vsr-* decision headers put on an upstream error answer, where the gateway and the
// reference keep the request id alone). Real pipeline (no packs: MoM goes to the default model), real
// gRPC, Envoy played by a grpc-js client.
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const CHAT = { ':method': 'POST', ':authority': 'semroute', 'content-type': 'application/json' };
const BODY = JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'Name a river in France.' }] });

describe('ext_proc: rewrite_path and clear_route_cache on, mutation audit 5', () => {
  const h = useRealExtProc({ extproc: { rewrite_path: true, clear_route_cache: true } });

  it('BUFFERED: a chat on a path the engine reads as chat goes on at /v1/chat/completions, the route re-picked (H7)', async () => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, ':path': '/v1//chat/./completions?api-version=1', 'x-request-id': 'rp-1' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' } });
    const b = await s.send(requestBody(BODY));
    s.end();
    const common = b.request_body.response;
    const set = setHeaders(common.header_mutation);
    expect(set['x-selected-model']).toBeTruthy();
    expect(set[':path']).toBe('/v1/chat/completions');
    expect(common.clear_route_cache).toBe(true);
  });

  it('FULL_DUPLEX_STREAMED: the held headers\' answer carries the decision, the rewritten :path and clear_route_cache (D1, H7)', async () => {
    const s = h.envoy.open();
    // Envoy writes without waiting; the headers' answer comes just before the body's.
    const head = s.send({ ...requestHeaders({ ...CHAT, ':path': '/v1/chat/completions', 'x-request-id': 'fd-1' }), protocol_config: { request_body_mode: 'FULL_DUPLEX_STREAMED', response_body_mode: 'NONE' } });
    const body = s.send(requestBody(BODY, true));
    const [hr, br] = await Promise.all([head, body]);
    s.end();
    expect(hr.response).toBe('request_headers');
    const common = hr.request_headers.response;
    expect(setHeaders(common.header_mutation)['x-selected-model']).toBeTruthy();
    expect(setHeaders(common.header_mutation)[':path']).toBe('/v1/chat/completions');
    // No header of the client's was removed, so only the body's decision asks for it.
    expect(common.clear_route_cache).toBe(true);
    expect(br.request_body.response.body_mutation.streamed_response.end_of_stream).toBe(true);
  });
});

describe('ext_proc: the decision headers on the answer, mutation audit 5 (R1)', () => {
  const h = useRealExtProc();

  async function answerHead(status: string): Promise<Record<string, string>> {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, ':path': '/v1/chat/completions', 'x-request-id': `st-${status}` }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' } });
    await s.send(requestBody(BODY));
    const r = await s.send(responseHeaders({ ':status': status, 'content-type': 'application/json' }));
    s.end();
    return setHeaders(r.response_headers.response.header_mutation);
  }

  it('a 200 answer carries them', async () => {
    const set = await answerHead('200');
    expect(set['x-request-id']).toBe('st-200');
    expect(Object.keys(set).filter((k) => k.startsWith('x-vsr-'))).toContain('x-vsr-selected-model');
  });

  it.each(['503', '429'])('a %s answer keeps the request id alone, as the gateway answers it', async (status) => {
    expect(await answerHead(status)).toEqual({ 'x-request-id': `st-${status}` });
  });
});
