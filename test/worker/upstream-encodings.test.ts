// An upstream that compresses its answer (accept-encoding is not forwarded, but proxies and misconfigured
// servers compress anyway): Node decodes gzip, x-gzip, deflate and br in any case
// (runtimes/node/upstream-client.ts); workerd's fetch decodes only a content-encoding of exactly gzip or
// br, so the Worker passed deflate, x-gzip and GZIP answers on still compressed, as a 200 (a stream: cut).
// parity-upstream.ts ENCODED; gzip-body is node-parity.test.ts's.
import { describe, expect, it } from 'vitest';
import { chatReq, compare } from './parity-client.ts';

const MODELS = ['deflate-body', 'x-gzip-body', 'gzip-upper', 'br-body', 'identity-body', 'unknown-encoding'];

describe('Node vs Worker: compressed upstream answers', () => {
  for (const model of MODELS) {
    it.each([
      ['chat', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }],
      ['chat, stream', '/v1/chat/completions', { model, stream: true, messages: [{ role: 'user', content: 'hi' }] }],
      ['passthrough', '/v1/completions', { model, prompt: 'hi' }],
    ])(`${model}: %s, the same answer`, async (_name, path, body) => {
      // Not served from the semantic cache (a hit would not show the upstream's encoding).
      const { node, diff } = await compare({ ...chatReq(body, { 'x-vsr-cache-control': 'bypass' }), path });
      expect(node.status).toBe(200);
      expect(diff).toEqual([]);
    });
  }
});
