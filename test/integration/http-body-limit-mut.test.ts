// server.max_body_bytes is the largest body accepted (found by mutating src/api/body.ts: `>` read as
// `>=` in both the declared-length and the chunked path survived every test): a body of exactly the
// limit is served, one byte more is 413, with a Content-Length and chunked. Real sockets, in process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_CLASSIFIERS, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { startEchoUpstream, type EchoServer } from './guard-echo-upstream.ts';

const LIMIT = 4096;
let echo: EchoServer;
let gw: Gateway;

beforeAll(async () => {
  echo = await startEchoUpstream();
  gw = await startGateway({
    classifiers: EMPTY_CLASSIFIERS,
    config: () => testConfig({ server: { max_body_bytes: LIMIT }, prompt_guard: { enabled: false }, routing: { enabled: false } }, [{ name: 'production-stack', address: '127.0.0.1', port: echo.port, weight: 1 }]),
  });
});
afterAll(async () => {
  await gw?.close();
  await echo?.close();
});

/** A chat body of exactly `size` bytes (the user text padded). */
function bodyOf(size: number): Uint8Array<ArrayBuffer> {
  const head = '{"model":"qwen3","messages":[{"role":"user","content":"';
  const tail = '"}]}';
  const b = new Uint8Array(new TextEncoder().encode(head + 'x'.repeat(size - head.length - tail.length) + tail));
  expect(b.byteLength).toBe(size);
  return b;
}

const post = (body: Uint8Array<ArrayBuffer>, chunked: boolean) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chunked ? new Blob([body]).stream() : body,
    ...(chunked ? { duplex: 'half' } : {}),
  } as RequestInit);

describe('max_body_bytes boundary (mutation audit)', () => {
  it.each([false, true])('chunked %s: exactly the limit is served, one byte over is 413', async (chunked) => {
    const at = await post(bodyOf(LIMIT), chunked);
    expect(at.status).toBe(200);
    await at.arrayBuffer();
    const over = await post(bodyOf(LIMIT + 1), chunked);
    expect(over.status).toBe(413);
    expect((await over.json()).error.code).toBe('request_too_large');
  });
});
