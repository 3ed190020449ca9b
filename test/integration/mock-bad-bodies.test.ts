// The mock answers vLLM's 400 for a body vLLM's request models refuse (a JSON null, a list, a completions
// body without prompt, an embeddings body without input). It threw on them (500 MockError), and tests that
// drive the gateway with bad input had to excuse every mock 500, which could hide one of the gateway's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer();
});
afterAll(() => mock.close());

const post = async (path: string, body: string) => {
  const r = await fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'rid-1' }, body });
  return { status: r.status, id: r.headers.get('x-request-id'), body: (await r.json()) as { error?: { type?: string; message?: string; code?: number } } };
};

describe('mock: bodies vLLM refuses get its 400, not a 500', () => {
  for (const path of ['/v1/chat/completions', '/v1/completions', '/v1/embeddings']) {
    for (const body of ['null', '[1,2]', '"text"', '7']) {
      it(`${path} ${body}`, async () => {
        const a = await post(path, body);
        expect(a.status).toBe(400);
        expect(a.id).toBe('rid-1');
        expect(a.body.error).toMatchObject({ type: 'BadRequestError', code: 400 });
      });
    }
  }
  it('/v1/completions without prompt (a chat body)', async () => {
    const a = await post('/v1/completions', JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }));
    expect(a).toMatchObject({ status: 400, id: 'rid-1', body: { error: { type: 'BadRequestError', message: expect.stringContaining('prompt') } } });
  });
  it('/v1/embeddings without input', async () => {
    const a = await post('/v1/embeddings', JSON.stringify({ model: 'qwen3' }));
    expect(a).toMatchObject({ status: 400, id: 'rid-1', body: { error: { type: 'BadRequestError', message: expect.stringContaining('input') } } });
  });
  it('a body that is not JSON: 400 with the request id, as its other 400s', async () => {
    const a = await post('/v1/chat/completions', '{"model":');
    expect(a).toMatchObject({ status: 400, id: 'rid-1', body: { error: { type: 'BadRequestError', code: 400 } } });
  });
  it('a readable body is still answered', async () => {
    expect((await post('/v1/completions', JSON.stringify({ model: 'qwen3', prompt: 'hi' }))).status).toBe(200);
    expect((await post('/v1/embeddings', JSON.stringify({ model: 'qwen3', input: ['a', 'b'] }))).status).toBe(200);
  });
});
