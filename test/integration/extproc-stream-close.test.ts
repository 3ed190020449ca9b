// How ext_proc reads the end of Envoy's stream. Envoy closes every stream the same way (a half-close,
// then a reset: client_impl.cc close()), whether the request is done or its client left, and grpc-js
// fires `cancelled` on each. With response_header_mode SKIP and response_body_mode NONE, nothing comes
// after the routing decision, so a request whose decision went out and that asked Envoy for nothing
// more is complete when the stream closes, not cancelled; a stream closed before the decision went out
// is still a cancellation (the client left while semroute read or judged its request). Real gRPC.
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, responseHeaders, type EnvoyStream } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { fakeDeps } from './helpers/extproc-fakes.ts';
import { useExtProc } from './helpers/extproc-server.ts';
import type { AnswerMeter } from '../../runtimes/node/extproc/answer-meter.ts';
import type { ExtProcPipeline } from '../../runtimes/node/extproc/port.ts';
import { metricMoves } from './helpers/metric-moves.ts';
import { until } from './helpers/until.ts';

const head = (path: string, id: string, mode = 'NONE', requestMode = 'BUFFERED') => ({
  ...requestHeaders({ ':method': 'POST', ':path': path, 'content-type': 'application/json', 'x-request-id': id }),
  protocol_config: { request_body_mode: requestMode, response_body_mode: mode },
});
const CHAT = { model: 'qwen3', messages: [{ role: 'user', content: 'Name a river.' }] };
const PROMPT = { model: 'qwen3', prompt: 'Name a river.' };

describe('ext_proc, a stream Envoy closes: complete or cancelled', () => {
  const h = useRealExtProc();
  const lines = (id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id);
  /** Envoy's close (half-close, then reset), then a wait past where a cancellation would be counted. */
  const close = async (s: EnvoyStream, id: string) => {
    s.end();
    s.cancel();
    await until(() => lines(id).length > 0, 5_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
  };

  for (const [path, body] of [['/v1/chat/completions', CHAT], ['/v1/completions', PROMPT]] as const) {
    it(`${path}, response headers skipped and body NONE: forwarded, then closed, is no cancellation; one request line`, async () => {
      const id = `close-${path}`;
      const { moved } = await metricMoves(h.metrics, ['llm_request_errors_total'], async () => {
        const s = h.envoy.open();
        await s.send(head(path, id));
        const r = await s.send(requestBody(JSON.stringify(body)));
        expect(r.response).toBe('request_body');
        await close(s, id);
      });
      expect(moved).toEqual({});
      expect(lines(id)).toHaveLength(1);
      expect(lines(id)[0]!.obj.error_reason).toBeUndefined();
    });
  }

  // Response headers sent, body NONE: ext_proc is told nothing after the head, and Envoy's close is the
  // same whether the client read the whole answer or left midway (protocol_config names no header mode):
  // the answer is accounted at its head, a client that leaves after it is not seen (README, ext_proc).
  it('response headers sent, body NONE: the answer is accounted at its head; the close after it counts nothing more', async () => {
    const id = 'close-after-head';
    const { moved } = await metricMoves(h.metrics, ['llm_request_errors_total'], async () => {
      const s = h.envoy.open();
      await s.send(head('/v1/chat/completions', id));
      await s.send(requestBody(JSON.stringify(CHAT)));
      const r = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
      expect(r.response).toBe('response_headers');
      expect(lines(id).map((l) => l.obj.status)).toEqual([200]);
      await close(s, id);
    });
    expect(moved).toEqual({});
    expect(lines(id)).toHaveLength(1);
    expect(lines(id)[0]!.obj.error_reason).toBeUndefined();
  });

  it('a client that leaves before the routing decision (its body not yet sent) still counts as a cancellation', async () => {
    const id = 'close-early';
    const { moved } = await metricMoves(h.metrics, ['llm_request_errors_total', 'llm_model_requests_total'], async () => {
      const s = h.envoy.open();
      await s.send(head('/v1/chat/completions', id));
      s.cancel();
      await until(() => (h.metrics.value('llm_request_errors_total', { model: 'unknown', reason: 'cancellation' }) ?? 0) > 0, 2_000).catch(() => {});
    });
    // As the gateway counts a client gone before its body was read: a request, and a cancellation.
    expect(moved).toEqual({ 'llm_model_requests_total{model="unknown"}': 1, 'llm_request_errors_total{model="unknown",reason="cancellation"}': 1 });
    expect(h.logs.lines.filter((l) => l.obj.request_id === id).map((l) => [l.msg, l.obj.status])).toEqual([['request cancelled', 499]]);
  });
});

describe('ext_proc, a stream that carries no body', () => {
  const h = useRealExtProc();
  // request_body_mode NONE (nothing routed), or an Envoy that does not say its modes and sends no body:
  // the headers are all that comes, so the close is no client leaving.
  for (const [name, msg] of [
    ['request_body_mode NONE', head('/v1/chat/completions', 'no-body', 'NONE', 'NONE')],
    ['modes unsaid', requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'no-body-old' })],
  ] as const) {
    it(`${name}: the close counts nothing`, async () => {
      const { moved } = await metricMoves(h.metrics, ['llm_request_errors_total', 'llm_model_requests_total'], async () => {
        const s = h.envoy.open();
        await s.send(msg);
        s.end();
        s.cancel();
        await s.closed;
        await new Promise((r) => setTimeout(r, 50));
      });
      expect(moved).toEqual({});
    });
  }
});

describe('ext_proc, a stream Envoy closes while the body is being judged', () => {
  // A pipeline that judges slowly (a guard or the cache at work) and forwards: its meter records what it is told.
  const calls: string[] = [];
  let judging: () => void = () => {};
  let release: () => void = () => {};
  const meter = new Proxy({} as AnswerMeter, { get: (_t, name) => () => calls.push(String(name)) });
  const pipeline: ExtProcPipeline = {
    chat: async () => {
      judging();
      await new Promise<void>((r) => (release = r));
      return { kind: 'forward', body: new TextEncoder().encode('{}'), model: 'qwen3', requestId: 'slow', responseHeaders: {}, taps: [], meter };
    },
    models: () => ({ status: 200, headers: {}, contentType: 'application/json', body: '{}', reason: 'models' }),
  };
  const ext = useExtProc(fakeDeps(), { pipeline });

  for (const mode of ['NONE', 'STREAMED']) {
    it(`${mode}: the request that would have gone on is a cancellation, once`, async () => {
      calls.length = 0;
      const s = ext.client.open();
      await s.send(head('/v1/chat/completions', 'slow', mode));
      const started = new Promise<void>((r) => (judging = r));
      s.send(requestBody(JSON.stringify(CHAT))).catch(() => {});
      await started;
      s.end();
      s.cancel();
      await s.closed;
      await new Promise((r) => setTimeout(r, 20));
      release();
      await until(() => calls.length > 0, 2_000).catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
      expect(calls).toEqual(['cancel']);
    });
  }
});
