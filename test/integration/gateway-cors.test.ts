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
