// An upstream answer with both Content-Length and Transfer-Encoding (RFC 9112 6.1: a sender must not
// send both; a proxy that passes such a message on invites request smuggling and a cut answer). Node's
// parser refuses the head: 502 upstream_error. workerd takes it and fails only when it reads the body:
// a passed-through answer went out as a 200 and was then cut. parity-upstream.ts: raw-length-and-chunked.
import { describe, expect, it } from 'vitest';
import { chatReq, compare } from './parity-client.ts';

describe('Node vs Worker: an answer with Content-Length and Transfer-Encoding both', () => {
  it.each([
    ['chat', '/v1/chat/completions', { model: 'raw-length-and-chunked', messages: [{ role: 'user', content: 'hi' }] }],
    ['chat, stream', '/v1/chat/completions', { model: 'raw-length-and-chunked', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
    ['passthrough', '/v1/completions', { model: 'raw-length-and-chunked', prompt: 'hi' }],
    ['passthrough, stream', '/v1/completions', { model: 'raw-length-and-chunked', prompt: 'hi', stream: true }],
  ])('%s: 502 upstream_error on both', async (_name, path, body) => {
    const { node, diff } = await compare({ ...chatReq(body), path });
    expect([node.status, (node.body as { error?: { code?: string } }).error?.code]).toEqual([502, 'upstream_error']);
    expect(diff).toEqual([]);
  });
});
