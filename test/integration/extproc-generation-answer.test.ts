// A passed-through generation route's answer (/v1/completions, /v1/responses) accounted through ext_proc
// as the HTTP gateway accounts it (src/api/passthrough-forward.ts with passthrough-usage.ts): its
// tokens, cost, latency and TTFT from the body (JSON usage block, SSE usage events, Responses' names),
// a completions stream that ends before it is whole counted upstream_5xx and ended with the gateway's
// upstream_stream_cut event, and Envoy resetting the stream mid-answer (the client left) a cancellation.
// Before, ext_proc told Envoy not to send these bodies (response_body_mode NONE) and counted their
// requests and error statuses only. Both doors over one deps and one metrics registry; the gateway
// fetches the answer from a real upstream, and the same bytes are what Envoy hands ext_proc.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './gateway-harness.ts';
import { clientBytes, requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { useBothDoors, type ObservedExtProc } from './helpers/extproc-real-pipeline.ts';
import { metricMoves } from './helpers/metric-moves.ts';
import type { Served } from '../../runtimes/node/serve.ts';

const FAMILIES = [
  'llm_model_requests_total',
  'llm_request_errors_total',
  'llm_model_prompt_tokens_total',
  'llm_model_completion_tokens_total',
  'llm_model_tokens_total',
  'llm_model_cost_total',
  'llm_model_completion_latency_seconds_count',
  'llm_model_ttft_seconds_count',
  'llm_model_tpot_seconds_count',
  'llm_completion_tokens_per_request_count',
];

interface Answer {
  status?: number;
  type: string;
  pieces: string[];
}

const cmpl = (text: string, finish: string | null = null, extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'qwen3', choices: [{ index: 0, text, finish_reason: finish }], ...extra })}\n\n`;
const USAGE = { prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 };
const SSE = 'text/event-stream';

let answer: Answer = { type: SSE, pieces: [] };
// The body ext_proc let go on for the last request (its mutation, or as sent).
let lastSent = '';
let upstream: http.Server;
let doors: ObservedExtProc & { gateway: Served };

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(answer.status ?? 200, { 'content-type': answer.type });
      for (const p of answer.pieces) {
        res.write(p);
        await new Promise((r) => setTimeout(r, 2));
      }
      res.end();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

useBothDoors(
  () =>
    testConfig(
      { model_config: { qwen3: { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack'], pricing: { currency: 'USD', prompt_per_1m: 1, completion_per_1m: 2 } } } },
      [{ name: 'production-stack', address: '127.0.0.1', port: (upstream.address() as { port: number }).port, weight: 1 }],
    ),
  (d) => (doors = d),
);

async function viaGateway(path: string, body: unknown): Promise<string> {
  const r = await fetch(`${doors.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return r.text();
}

/** Envoy with `mode` as its response_body_mode, handing ext_proc the answer the upstream writes (`skipHead`: response_header_mode SKIP). */
async function viaEnvoy(path: string, body: unknown, mode = 'STREAMED', skipHead = false): Promise<string> {
  const s = doors.envoy.open();
  await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
  const b = await s.send(requestBody(JSON.stringify(body)));
  expect(b.response).toBe('request_body');
  const m = b.request_body.response?.body_mutation;
  lastSent = m?.body ? Buffer.from(m.body).toString() : JSON.stringify(body);
  if (!skipHead) await s.send(responseHeaders({ ':status': String(answer.status ?? 200), 'content-type': answer.type }));
  const parts = mode === 'BUFFERED' ? [answer.pieces.join('')] : answer.pieces;
  let client = '';
  for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
  s.end();
  return client;
}

async function bothDoors(path: string, body: unknown, mode?: string, skipHead = false) {
  const gateway = await metricMoves(doors.metrics, FAMILIES, () => viaGateway(path, body));
  // The window stays open past the stream's close, where a cancellation would be counted.
  const extproc = await metricMoves(doors.metrics, FAMILIES, async () => {
    const client = await viaEnvoy(path, body, mode, skipHead);
    await new Promise((r) => setTimeout(r, 50));
    return client;
  });
  // (Sums of floating-point cost differ in their last digits with the order they were added in.)
  const fixed = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.toPrecision(9))]));
  return { gateway: { ...gateway, moved: fixed(gateway.moved) }, extproc: { ...extproc, moved: fixed(extproc.moved) } };
}

describe('ext_proc accounts a generation answer as the gateway does', () => {
  // The client's own include_usage: its usage chunk is the client's, on both doors.
  const prompt = { model: 'qwen3', prompt: 'Name a river.', stream: true, stream_options: { include_usage: true } };

  it('a completions stream with its usage: the same tokens, cost and latency series move', async () => {
    answer = { type: SSE, pieces: [cmpl('The '), cmpl('Rhine', 'stop'), `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'qwen3', choices: [], usage: USAGE })}\n\n`, 'data: [DONE]\n\n'] };
    const { gateway, extproc } = await bothDoors('/v1/completions', prompt);
    expect(gateway.moved['llm_model_completion_tokens_total{model="qwen3"}']).toBe(3);
    expect(extproc.moved).toEqual(gateway.moved);
    expect(extproc.answer).toBe(gateway.answer);
  });

  it('a client that named no stream_options: its usage asked for upstream, counted, and taken out of its stream, as on the gateway (aff3588)', async () => {
    const bare = { model: 'qwen3', prompt: 'Name a river.', stream: true };
    const { gateway, extproc } = await bothDoors('/v1/completions', bare);
    expect(gateway.moved['llm_model_completion_tokens_total{model="qwen3"}']).toBe(3);
    expect(gateway.answer).not.toContain('"usage"');
    expect(extproc.moved).toEqual(gateway.moved);
    expect(extproc.answer).toBe(gateway.answer);
    expect(JSON.parse(lastSent).stream_options).toEqual({ include_usage: true });
  });

  it('an explicit opt-out (include_usage: false): asked for upstream, counted, and taken out of its stream, as chat and the gateway do', async () => {
    const off = { model: 'qwen3', prompt: 'Name a river.', stream: true, stream_options: { include_usage: false } };
    const { gateway, extproc } = await bothDoors('/v1/completions', off);
    expect(gateway.moved['llm_model_completion_tokens_total{model="qwen3"}']).toBe(3);
    expect(gateway.answer).not.toContain('"usage"');
    expect(extproc.moved).toEqual(gateway.moved);
    expect(extproc.answer).toBe(gateway.answer);
    expect(JSON.parse(lastSent).stream_options).toEqual({ include_usage: true });
  });

  it('the same through Envoy in BUFFERED mode (the whole stream in one message)', async () => {
    const { gateway, extproc } = await bothDoors('/v1/completions', prompt, 'BUFFERED');
    expect(extproc.moved).toEqual(gateway.moved);
  });

  it('response headers skipped (response_header_mode SKIP): the head taken from the body, the answer accounted alike, no cancellation', async () => {
    const { gateway, extproc } = await bothDoors('/v1/completions', prompt, 'STREAMED', true);
    expect(gateway.moved['llm_model_completion_tokens_total{model="qwen3"}']).toBe(3);
    expect(extproc.moved).toEqual(gateway.moved);
  });

  it('a completions stream cut before it is whole: upstream_5xx, and the client gets the upstream_stream_cut event', async () => {
    answer = { type: SSE, pieces: [cmpl('The '), cmpl('Rhi')] };
    const { gateway, extproc } = await bothDoors('/v1/completions', prompt);
    expect(gateway.moved['llm_request_errors_total{model="qwen3",reason="upstream_5xx"}']).toBe(1);
    // The first token's time is a TTFT however the answer ended, on both doors.
    expect(extproc.moved['llm_model_ttft_seconds_count{model="qwen3"}']).toBe(1);
    expect(extproc.moved).toEqual(gateway.moved);
    expect(gateway.answer).toContain('"code":"upstream_stream_cut"');
    expect(extproc.answer).toBe(gateway.answer);
  });

  it('a JSON completion: its usage block counted', async () => {
    answer = { type: 'application/json', pieces: [JSON.stringify({ id: 'cmpl-2', object: 'text_completion', model: 'qwen3', choices: [{ index: 0, text: 'Rhine', finish_reason: 'stop' }], usage: USAGE }).replace('"usage"', ' "usage"')] };
    const { gateway, extproc } = await bothDoors('/v1/completions', { model: 'qwen3', prompt: 'Name a river.' });
    expect(gateway.moved['llm_model_tokens_total{model="qwen3"}']).toBe(9);
    expect(extproc.moved).toEqual(gateway.moved);
  });

  it('a Responses stream: input_tokens / output_tokens of response.completed counted', async () => {
    const completed = { type: 'response.completed', response: { id: 'resp-1', status: 'completed', usage: { input_tokens: 7, output_tokens: 4, total_tokens: 11 } } };
    answer = { type: SSE, pieces: ['event: response.created\ndata: {"type":"response.created","response":{"id":"resp-1"}}\n\n', `event: response.completed\ndata: ${JSON.stringify(completed)}\n\n`] };
    const { gateway, extproc } = await bothDoors('/v1/responses', { model: 'qwen3', input: 'Name a river.', stream: true });
    expect(gateway.moved['llm_model_prompt_tokens_total{model="qwen3"}']).toBe(7);
    expect(extproc.moved).toEqual(gateway.moved);
  });

  it('Envoy resets the stream mid-answer (the client left): a cancellation, once', async () => {
    const { moved } = await metricMoves(doors.metrics, ['llm_request_errors_total'], async () => {
      const s = doors.envoy.open();
      await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/completions', 'content-type': 'application/json', 'x-request-id': 'gen-cancel' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
      await s.send(requestBody(JSON.stringify(prompt)));
      await s.send(responseHeaders({ ':status': '200', 'content-type': SSE }));
      await s.send(responseBody(cmpl('The '), false));
      s.cancel();
      await expect.poll(() => doors.logs.lines.some((l) => l.msg === 'request' && l.obj.request_id === 'gen-cancel')).toBe(true);
    });
    expect(moved).toEqual({ 'llm_request_errors_total{model="qwen3",reason="cancellation"}': 1 });
    expect(doors.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'gen-cancel').map((l) => l.obj.error_reason)).toEqual(['cancellation']);
  });
});
