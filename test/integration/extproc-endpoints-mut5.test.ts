// Mutation audit 5 of ext_proc, mutant P12 (the pipeline, and its endpoint pool, made anew for each
// stream instead of once per deps generation): no test sent more than one request to a model two
// endpoints serve. Envoy opens a stream per request, so with the mutant every request started from a
// fresh pool's first weighted pick: all of them went to one endpoint, the other never named in the
// ORIGINAL_DST header. Real pipeline (no packs), real gRPC, Envoy played by a grpc-js client.
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, setHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const HEADER = 'x-gateway-destination-endpoint';

describe('ext_proc spreads a model\'s requests over the endpoints that serve it, mutation audit 5 (P12)', () => {
  const h = useRealExtProc({
    vllm_endpoints: [
      { name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1 },
      { name: 'second', address: '127.0.0.2', port: 9, weight: 1 },
    ],
    model_config: { qwen3: { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack', 'second'] } },
  });

  it('four requests, one stream each, as Envoy sends them: two to each endpoint (weights 1 and 1)', async () => {
    const picked: string[] = [];
    for (let i = 0; i < 4; i++) {
      const s = h.envoy.open();
      await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' } });
      const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: `Name river number ${i}.` }] })));
      s.end();
      picked.push(setHeaders(b.request_body.response.header_mutation)[HEADER]!);
    }
    expect(picked.filter((p) => p === '127.0.0.1:9')).toHaveLength(2);
    expect(picked.filter((p) => p === '127.0.0.2:9')).toHaveLength(2);
  });
});
