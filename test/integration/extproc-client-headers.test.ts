// Headers only semroute may set upstream: the routing decision (x-selected-model, x-vsr-*) and the
// endpoint an Envoy ORIGINAL_DST cluster connects to (extproc.destination_endpoint_header). The HTTP
// gateway never forwards a client's copy (src/upstream/headers.ts GATEWAY_OWNED); behind Envoy they
// went on untouched on every request semroute did not rewrite (other paths, generation routes, a
// body-less or unreadable chat, a forward with no endpoint): a caller could pick the host Envoy connects
// to. ext_proc now removes them at the request headers. Real gRPC, Envoy played by a grpc-js client.
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, setHeaders } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps, recordingPipeline } from './helpers/extproc-fakes.ts';
import { useExtProc } from './helpers/extproc-server.ts';

const SPOOFED = {
  'x-gateway-destination-endpoint': '169.254.169.254:80',
  'x-selected-model': 'expensive-model',
  'x-vsr-selected-model': 'expensive-model',
  'x-vsr-cache-hit': 'true',
};
const OWNED = Object.keys(SPOOFED);

describe('ext_proc removes the headers only semroute may set', () => {
  const pipeline = recordingPipeline({ outcome: () => ({ kind: 'pass', reason: 'invalid_json' }) });
  const ext = useExtProc(fakeDeps({ clear_route_cache: true }), { pipeline });

  it.each([
    ['an other path', { ':method': 'POST', ':path': '/v1/embeddings' }],
    ['a chat request', CHAT],
    ['a generation route', { ...CHAT, ':path': '/v1/completions' }],
  ])('%s: removed in the request headers answer', async (_name, base) => {
    const s = ext.client.open();
    const h = await s.send(requestHeaders({ ...base, ...SPOOFED }));
    s.end();
    expect(h.response).toBe('request_headers');
    expect(h.request_headers.response.header_mutation?.remove_headers ?? []).toEqual(expect.arrayContaining(OWNED));
    // A route Envoy picked on the client's copy is picked again (clear_route_cache is on here).
    expect(h.request_headers.response.clear_route_cache).toBe(true);
  });

  it('a chat request passed on unread keeps them removed (no body answer sets them back)', async () => {
    const s = ext.client.open();
    await s.send(requestHeaders({ ...CHAT, ...SPOOFED }));
    const b = await s.send(requestBody('{"model": "MoM", "messages": ['));
    s.end();
    expect(Object.keys(setHeaders(b.request_body.response.header_mutation))).not.toEqual(expect.arrayContaining(['x-gateway-destination-endpoint']));
  });

  it('a request without them gets no mutation it does not need', async () => {
    const s = ext.client.open();
    const h = await s.send(requestHeaders(CHAT));
    s.end();
    expect(h.request_headers.response.header_mutation?.remove_headers ?? []).toEqual([]);
  });
});
