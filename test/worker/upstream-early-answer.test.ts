// An upstream that answers before it has read the request body: a proxy in front of the engine whose
// body limit the request's Content-Length is over (nginx client_max_body_size answers 413 from the
// head). The client gets the proxy's status, OpenAI-shaped, as on Node, whether the proxy then resets
// the connection with the body unread, half-closes it and reads nothing more, or reads the rest away.
// early-answer-setup.ts: the raw upstream (x-early-close picks how it closes) and a Node gateway on it.
import { describe, expect, inject, it } from 'vitest';
import { chatReq, onNode, onWorker, parityEnv, type Seen } from './parity-client.ts';

const env = { ...parityEnv, SEMROUTE_CONFIG: inject('earlyYaml') };
const ask = (close: string, bytes: number) =>
  chatReq({ model: 'early', messages: [{ role: 'user', content: 'hi' }], user: 'x'.repeat(bytes) }, { 'x-early-close': close });
const summary = (s: Seen) => ({ status: s.status, body: s.body, type: s.headers['content-type'] });

describe('Worker: a proxy that answers 413 before it reads the body', () => {
  // 8 MiB: far past what the kernel buffers on loopback, so the proxy answers while the body is being written.
  for (const close of ['reset', 'fin', 'linger']) {
    for (const bytes of [300, 8 * 1024 * 1024]) {
      it(`${close}, ${bytes} B body: the proxy's 413, OpenAI-shaped, as on Node`, async () => {
        const node = await onNode(ask(close, bytes), inject('nodeEarlyUrl'));
        expect(summary(node)).toEqual({ status: 413, type: 'application/json', body: { error: { message: 'The upstream answered with HTTP 413.', type: 'invalid_request_error', param: null, code: 413 } } });
        // Whether workerd sees the answer before the failed write is a race (the reset lost it 1 in 2
        // before): a few tries each.
        for (let i = 0; i < (bytes > 1e6 ? 4 : 2); i++) {
          const t0 = Date.now();
          const worker = await onWorker(ask(close, bytes), env);
          const ms = Date.now() - t0;
          expect(summary(worker)).toEqual(summary(node));
          // fin: the proxy keeps the socket half open for 30 s; the answer must not wait for that (it took
          // 11.8 s, the proxy's close then, before; Node 0.7 s). The bound stays under that 11.8 s with room
          // for a loaded box (8 s failed once at load 14, 9.3 s).
          expect(ms).toBeLessThan(10_500);
        }
      });
    }
  }
});

describe('Worker: the early 413 on the other routes that forward a body', () => {
  const big = 'x'.repeat(8 * 1024 * 1024);
  const req = (path: string, body: Record<string, unknown>, close: string) =>
    ({ path, headers: { 'content-type': 'application/json', 'x-early-close': close }, body: JSON.stringify({ model: 'early', user: big, ...body }) });
  for (const close of ['reset', 'fin']) {
    it.each([
      ['chat, stream', '/v1/chat/completions', { stream: true, messages: [{ role: 'user', content: 'hi' }] }],
      ['passthrough', '/v1/completions', { prompt: 'hi' }],
      ['passthrough, stream', '/v1/completions', { prompt: 'hi', stream: true }],
      ['embeddings', '/v1/embeddings', { input: 'hi' }],
    ])(`${close}: %s`, async (_name, path, body) => {
      const node = await onNode(req(path, body, close), inject('nodeEarlyUrl'));
      const worker = await onWorker(req(path, body, close), env);
      expect(node.status).toBe(413);
      expect(summary(worker)).toEqual(summary(node));
    });
  }
});
