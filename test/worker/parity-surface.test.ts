// What the last session changed in the shared pipeline and HTTP surface, on the Worker as on Node
// (the same YAML and upstreams: parity-upstream.ts): 405 with Allow and 404 with x-request-id, HEAD on
// GET routes, an event stream answered to a request without stream (assembled into the
// chat.completion, or 502 when it is not whole), lax stream / include_usage / n values as vLLM reads
// them; and the Worker's own error answer (a config it cannot start with) with x-request-id as well.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { chatReq, compare, nodeUrl, parityEnv, type Req } from './parity-client.ts';

// Not served from the semantic cache (nor stored): these cases are about the answer's shape. (When one
// Node gateway served every file, what other files stored there made Node's side a hit and the
// Worker's not; each file now has its own: parity-client.ts nodeUrl.)
const NO_CACHE = { 'x-vsr-cache-control': 'bypass' };
const hi = (extra: Record<string, unknown>) => chatReq({ messages: [{ role: 'user', content: 'hi' }], ...extra }, NO_CACHE);

const CASES: Array<[string, Req]> = [
  ['PUT /v1/chat/completions (405, Allow), a client id', { method: 'PUT', path: '/v1/chat/completions', headers: { 'x-request-id': 'client-id-42' }, body: '' }],
  ['GET /v1/chat/completions (405)', { method: 'GET', path: '/v1/chat/completions' }],
  ['POST /health (405)', { method: 'POST', path: '/health', headers: { 'x-request-id': 'client-id-43' }, body: '' }],
  ['DELETE /api/v1/classify/intent (405)', { method: 'DELETE', path: '/api/v1/classify/intent' }],
  ['DELETE /v1/models/qwen3 (405)', { method: 'DELETE', path: '/v1/models/qwen3', headers: { 'x-request-id': 'client-id-44' } }],
  ['GET /v1/nope (404), a client id', { path: '/v1/nope', headers: { 'x-request-id': 'client-id-45' } }],
  ['HEAD /health', { method: 'HEAD', path: '/health' }],
  ['HEAD /v1/models', { method: 'HEAD', path: '/v1/models' }],
  ['GET /v1/models/qwen3', { path: '/v1/models/qwen3' }],
  ['GET /v1/models/nope, a client id', { path: '/v1/models/nope', headers: { 'x-request-id': 'client-id-46' } }],
  ['event stream to a request without stream, whole: one chat.completion', hi({ model: 'raw-sse-done-then-cut' })],
  ['event stream to a request without stream, not whole: 502', hi({ model: 'raw-sse-close-delimited' })],
  ['event stream to a request without stream, cut mid-event: 502', hi({ model: 'raw-sse-cut-mid-event' })],
  ['stream "true" (lax bool): a stream', hi({ model: 'qwen3', stream: 'true' })],
  ['stream "yes please": 400 invalid_type', hi({ model: 'qwen3', stream: 'yes please' })],
  ['include_usage "1" (lax bool): the usage chunk passed on', hi({ model: 'qwen3', stream: true, stream_options: { include_usage: '1' } })],
  ['include_usage "off" (lax bool): no usage chunk', hi({ model: 'qwen3', stream: true, stream_options: { include_usage: 'off' } })],
  ['include_usage "maybe": 400', hi({ model: 'qwen3', stream: true, stream_options: { include_usage: 'maybe' } })],
  ['n "2" (lax int)', hi({ model: 'qwen3', n: '2' })],
  ['what the upstream receives for lax values', chatReq({ model: 'echo-request', messages: [{ role: 'user', content: 'hi' }], stream: 'on', n: '1', stream_options: { include_usage: 'true' } }, { 'x-request-id': 'parity-lax', ...NO_CACHE })],
];

describe('Node vs Worker: the last session\'s surface', () => {
  it.each(CASES)('%s', async (_name, req) => {
    const { node, diff } = await compare(req);
    expect(diff).toEqual([]);
    if (node.status >= 400) expect(node.requestId).not.toBeNull();
  });
});

describe('Worker: an answer of its own', () => {
  it('a config it cannot start with: 503 startup_failed, with the client\'s x-request-id (or a fresh one)', async () => {
    const bad = { ...(env as unknown as WorkerEnv), SEMROUTE_UPSTREAM: inject('mockUrl'), SEMROUTE_CONFIG: 'default_model: [' };
    const mine = await worker.fetch(new Request('https://semroute.test/v1/chat/completions', { method: 'POST', headers: { 'x-request-id': 'client-id-47' }, body: '{}' }), bad, createExecutionContext());
    expect(mine.status).toBe(503);
    expect(((await mine.json()) as { error: { code: string } }).error.code).toBe('startup_failed');
    expect(mine.headers.get('x-request-id')).toBe('client-id-47');
    const fresh = await worker.fetch(new Request('https://semroute.test/health'), bad, createExecutionContext());
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

// odd-headers (parity-upstream.ts) sets two cookies: each its own Set-Cookie field (RFC 6265 3: never
// folded; an Expires date holds a comma), as Node gives them since c2c8be2.
describe('Node vs Worker: several Set-Cookie fields from the upstream', () => {
  it.each([
    ['chat, JSON', '/v1/chat/completions', { model: 'odd-headers', messages: [{ role: 'user', content: 'hi' }] }],
    ['chat, stream', '/v1/chat/completions', { model: 'odd-headers', messages: [{ role: 'user', content: 'hi' }], stream: true }],
    ['passthrough', '/v1/completions', { model: 'odd-headers', prompt: 'hi' }],
  ])('%s: each cookie its own field', async (_name, path, body) => {
    // Neither served from the semantic cache nor stored (a hit carries no upstream headers).
    const init = () => ({ method: 'POST', headers: { 'content-type': 'application/json', 'x-vsr-cache-control': 'bypass' }, body: JSON.stringify(body) });
    const node = await fetch(`${await nodeUrl()}${path}`, init());
    await node.text();
    const ctx = createExecutionContext();
    const worker_ = await worker.fetch(new Request(`https://semroute.test${path}`, init()), parityEnv, ctx);
    await worker_.text();
    expect(node.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(worker_.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });
});
