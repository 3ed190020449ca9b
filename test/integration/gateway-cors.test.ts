// A browser app's CORS preflight for chat (OPTIONS with Origin and Access-Control-Request-Method):
// behind the reference, Envoy sends it on to vLLM, whose CORS policy (every origin by default)
// answers it; through semroute it was 405, so a browser client could not call chat at all.
// Now it reaches the engine (here the bundled mock, answering as vLLM's CORSMiddleware does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startGateway, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.close());

describe('CORS preflight on /v1/chat/completions', () => {
  it("is answered by the engine's CORS policy, not 405", async () => {
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://chat.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("an OPTIONS that is no preflight gets the engine's answer too; POST still routes as chat", async () => {
    expect((await rawRequest(`${gw.url}/v1/chat/completions`, { method: 'OPTIONS' })).status).toBe(405);
    const chat = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    expect(JSON.parse(chat.body).object).toBe('chat.completion');
  });
});

// OPTIONS on a route the gateway answers itself (models, the classification API, probes) was 405
// method_not_allowed: OPTIONS asks which methods a resource takes (RFC 9110 9.3.7), and a plain
// client (curl -X OPTIONS, an API explorer) got an error for a question it may ask. Without
// server.cors it is now 204 with Allow and no CORS header, so a browser preflight fails as "no
// Access-Control-Allow-Origin" (the gateway has no policy) rather than as an error status. Allow, on
// this 204 and on the 405s, lists OPTIONS too (RFC 9110 10.2.1: the methods the resource supports).
describe('OPTIONS on the gateway\'s own routes without server.cors', () => {
  it.each([
    ['/v1/models', 'GET, HEAD, OPTIONS'],
    ['/v1/models/MoM', 'GET, HEAD, OPTIONS'],
    ['/api/v1/classify/intent', 'POST, OPTIONS'],
    ['/health', 'GET, HEAD, OPTIONS'],
  ])('%s: 204 with Allow: %s, not forwarded', async (path, allow) => {
    const before = gw.mock.mock.requests.length;
    const res = await fetch(`${gw.url}${path}`, { method: 'OPTIONS', headers: { 'x-request-id': 'opt-1' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('x-request-id')).toBe('opt-1');
    expect(await res.text()).toBe('');
    expect(gw.mock.mock.requests.length).toBe(before);
  });

  it('a browser preflight gets the same answer, with no Access-Control-Allow-Origin; other methods and paths as before', async () => {
    const res = await rawRequest(`${gw.url}/v1/models`, {
      method: 'OPTIONS',
      headers: { origin: 'https://chat.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(Object.keys(res.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const post = await rawRequest(`${gw.url}/v1/models`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(JSON.parse(post.body).error.code).toBe('method_not_allowed');
    const unknown = await rawRequest(`${gw.url}/v1/nope`, { method: 'OPTIONS' });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('unknown_url');
  });
});

