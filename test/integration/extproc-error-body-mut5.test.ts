// Mutation audit 5 of ext_proc, mutant E3 (an upstream error body held whole, its first
// MAX_ERROR_TEXT_BYTES no longer the most kept): the error-answer suites send short bodies. With the
// mutant, a long error body in STREAMED chunks was held whole in memory (here 8 MiB; an endless one
// without bound) and the client's error did not say what the gateway's says of it (larger than the
// limit, only its start read). Real pipeline (no packs), real gRPC, Envoy played by a grpc-js client.
import { describe, expect, it } from 'vitest';
import { MAX_ERROR_TEXT_BYTES } from '../../src/upstream/error-text.ts';
import { requestBody, requestHeaders, responseBody, responseHeaders, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const MAX = 4 * 1024 * 1024;
const CHUNK = 512 * 1024;

describe('ext_proc, an upstream error body longer than one gRPC message, mutation audit 5 (E3)', () => {
  const h = useRealExtProc({ extproc: { max_message_bytes: MAX } });

  it('only its first MAX_ERROR_TEXT_BYTES are kept: the client gets the gateway\'s error for a body past them', async () => {
    const s = h.envoy.open();
    await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'long-err' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'Name a river.' }] })));
    await s.send(responseHeaders({ ':status': '500', 'content-type': 'text/plain' }));
    const total = 2 * MAX;
    let last: Msg | undefined;
    for (let at = 0; at < total; at += CHUNK) last = await s.send(responseBody('e'.repeat(CHUNK), at + CHUNK >= total));
    s.end();
    const error = JSON.parse(Buffer.from(last!.response_body.response.body_mutation.body).toString()).error;
    expect(error.message).toBe(`The upstream answered with HTTP 500 and an error larger than ${MAX_ERROR_TEXT_BYTES} bytes; the gateway read only its start.`);
  });
});
