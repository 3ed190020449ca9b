// Every "Bad input" case of the issue gets an OpenAI-shaped error with the right status, and the
// gateway keeps serving after each one. Also upstream failures: retry, timeout, nothing reachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { refusedPort } from './helpers/refused-port.ts';

let gw: Gateway;
const LIMIT = 4096;

beforeAll(async () => {
  gw = await startGateway({
    config: (port) => testConfig({ server: { max_body_bytes: LIMIT } }, [{ name: 'production-stack', address: '127.0.0.1', port }]),
  });
});
afterAll(() => gw?.close());

const chat = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  rawRequest(`${gw.url}/v1/chat/completions`, { headers, body });

function expectOpenAIError(res: { status: number; body: string; headers: Record<string, unknown> }, status: number) {
  expect(res.status).toBe(status);
  expect(String(res.headers['content-type'])).toContain('application/json');
  const parsed = JSON.parse(res.body);
  expect(parsed.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  expect(parsed.error).toHaveProperty('code');
  return parsed.error as { message: string; type: string; code: unknown };
}

async function stillServing() {
  const res = await chat(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'ok?' }] }));
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body).model).toBe('qwen3');
}

const valid = { model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] };

describe('bad input', () => {
  it.each([
    ['malformed JSON', '{"model": "qwen3", "messages": [', 'invalid_json'],
    ['a JSON array body', '[1,2,3]', 'invalid_type'],
    ['missing messages', JSON.stringify({ model: 'qwen3' }), 'missing_required_parameter'],
    ['empty messages', JSON.stringify({ model: 'qwen3', messages: [] }), 'empty_array'],
    ['messages not an array', JSON.stringify({ model: 'qwen3', messages: 'hi' }), 'invalid_type'],
    ['model of the wrong type', JSON.stringify({ model: 42, messages: valid.messages }), 'invalid_type'],
    ['a message that is not an object', JSON.stringify({ model: 'qwen3', messages: ['hi'] }), 'invalid_type'],
    ['a message without a role', JSON.stringify({ model: 'qwen3', messages: [{ content: 'hi' }] }), 'invalid_type'],
    ['content of the wrong type', JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 42 }] }), 'invalid_type'],
    ['a content part without a type', JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: [{ text: 'x' }] }] }), 'invalid_type'],
    ['stream of the wrong type', JSON.stringify({ ...valid, stream: 'yes please' }), 'invalid_type'],
  ])('%s -> 400', async (_name, body, code) => {
    const err = expectOpenAIError(await chat(body), 400);
    expect(err.code).toBe(code);
    expect(err.type).toBe('invalid_request_error');
    await stillServing();
  });

  it('wrong content type -> 415', async () => {
    const err = expectOpenAIError(await chat(JSON.stringify(valid), { 'content-type': 'text/plain' }), 415);
    expect(err.code).toBe('unsupported_media_type');
    const form = await chat('model=qwen3', { 'content-type': 'application/x-www-form-urlencoded' });
    expectOpenAIError(form, 415);
    await stillServing();
  });

  it('a body over the limit -> 413 (declared length, and chunked without a length)', async () => {
    const big = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'x'.repeat(LIMIT * 2) }] });
    expect(expectOpenAIError(await chat(big), 413).code).toBe('request_too_large');
    const chunked = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [big.slice(0, 3000), big.slice(3000)],
    });
    expectOpenAIError(chunked, 413);
    await stillServing();
  });

  it('unknown paths -> 404, wrong method -> 405', async () => {
    const res = await rawRequest(`${gw.url}/v1/nope`, { method: 'GET' });
    expect(expectOpenAIError(res, 404).code).toBe('unknown_url');
    expectOpenAIError(await rawRequest(`${gw.url}/v1/chat/completions`, { method: 'GET' }), 405);
    await stillServing();
  });

  it('a known path with the wrong method -> 405 naming the allowed methods in Allow (RFC 9110 15.5.6)', async () => {
    // Before: no Allow header, and the classification API, /v1/models and /health answered 404 unknown_url.
    for (const [method, path, allow] of [
      ['GET', '/v1/chat/completions', 'POST, OPTIONS'],
      ['POST', '/v1/models', 'GET, HEAD, OPTIONS'],
      ['POST', '/health', 'GET, HEAD, OPTIONS'],
      ['GET', '/api/v1/classify/intent', 'POST, OPTIONS'],
      ['DELETE', '/api/v1/classify/batch', 'POST, OPTIONS'],
    ] as const) {
      const res = await rawRequest(`${gw.url}${path}`, { method });
      expect(expectOpenAIError(res, 405).code, `${method} ${path}`).toBe('method_not_allowed');
      expect(res.headers['allow'], `${method} ${path}`).toBe(allow);
    }
    // /v1/models/{id} is served (GET): another method there is 405 too; a path no route serves stays 404.
    expect((await rawRequest(`${gw.url}/v1/models/extra`, { method: 'POST' })).status).toBe(405);
    expect((await rawRequest(`${gw.url}/v1/modelz/extra`, { method: 'POST' })).status).toBe(404);
    await stillServing();
  });

  it('no error answer quotes the request text', async () => {
    const secret = 'my-ssn-is-078-05-1120';
    const res = await chat(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 42, note: secret }] }));
    expect(res.body).not.toContain(secret);
    const logs = JSON.stringify(gw.logs.lines);
    expect(logs).not.toContain(secret);
  });
});

describe('upstream failures', () => {
  let closedPort: number;
  beforeAll(async () => {
    closedPort = await refusedPort();
  });

  it('a refused connection moves on to the next endpoint', async () => {
    const g = await startGateway({
      config: (port) =>
        testConfig({ model_config: { qwen3: { reasoning_family: 'qwen3' } } }, [
          { name: 'dead', address: '127.0.0.1', port: closedPort, weight: 10 },
          { name: 'production-stack', address: '127.0.0.1', port, weight: 1 },
        ]),
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await rawRequest(`${g.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) });
        expect(res.status).toBe(200);
      }
      expect(g.mock.mock.requests.length).toBe(3);
      expect(g.logs.lines.some((l) => l.msg?.includes('trying next endpoint'))).toBe(true);
    } finally {
      await g.close();
    }
  });

  it('no reachable endpoint -> 502 OpenAI-shaped', async () => {
    const g = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: closedPort }]) });
    try {
      const res = await rawRequest(`${g.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) });
      expect(expectOpenAIError(res, 502).code).toBe('upstream_unavailable');
    } finally {
      await g.close();
    }
  });

  it('an upstream slower than upstream.timeout_ms -> 504', async () => {
    const g = await startGateway({
      config: (port) => testConfig({ upstream: { timeout_ms: 200 } }, [{ name: 'production-stack', address: '127.0.0.1', port }]),
    });
    try {
      const t0 = performance.now();
      const res = await rawRequest(`${g.url}/v1/chat/completions`, {
        headers: { 'content-type': 'application/json', 'x-mock-delay-ms': '2000' },
        body: JSON.stringify(valid),
      });
      expect(expectOpenAIError(res, 504).code).toBe('upstream_timeout');
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      await g.close();
    }
  });

  it('a connection the upstream closes before answering moves on, then 502 when none is left', async () => {
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { 'content-type': 'application/json', 'x-mock-drop': 'connect' },
      body: JSON.stringify(valid),
    });
    expectOpenAIError(res, 502);
    await stillServing();
  });
});
