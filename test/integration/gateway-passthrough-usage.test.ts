// Token counts of the passed-through Responses and Anthropic Messages answers. Their usage blocks name
// input_tokens / output_tokens (not prompt_tokens / completion_tokens), and a streamed Responses answer
// carries it inside response.completed's `response`: the request line said no tokens and the token
// metrics counted 0 for each such request (a 0 in the per-request histograms too).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let upstream: http.Server;
let gw: Gateway;

const RESPONSE = { id: 'resp_1', object: 'response', model: 'qwen3', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] }], usage: { input_tokens: 11, output_tokens: 5, total_tokens: 16 } };
const sse = (events: Array<[string, unknown]>) => events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join('');

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const stream = JSON.parse(body).stream === true;
      if (req.url === '/v1/responses' && !stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(RESPONSE));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.url === '/v1/responses') {
        return res.end(sse([['response.created', { type: 'response.created', response: { ...RESPONSE, usage: null } }], ['response.output_text.delta', { type: 'response.output_text.delta', delta: 'hi' }], ['response.completed', { type: 'response.completed', response: { ...RESPONSE, usage: { input_tokens: 13, output_tokens: 6, total_tokens: 19 } } }]]));
      }
      res.end(
        sse([
          ['message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'qwen3', usage: { input_tokens: 17, output_tokens: 0 } } }],
          ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } }],
          ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } }],
          ['message_stop', { type: 'message_stop' }],
        ]),
      );
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: (upstream.address() as AddressInfo).port, weight: 1 }]) });
});
afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => upstream?.close(() => r()));
});

const call = async (path: string, body: unknown, id: string) => {
  const r = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify(body) });
  await r.text();
  for (let i = 0; i < 50 && !gw.logs.lines.some((l) => l.obj.request_id === id && l.obj.event === 'request'); i++) await new Promise((res) => setTimeout(res, 10));
  return gw.logs.lines.find((l) => l.obj.request_id === id && l.obj.event === 'request')!.obj;
};

describe('token counts of passed-through Responses and Messages answers', () => {
  it('/v1/responses JSON and streamed, /v1/messages streamed: input/output tokens are counted', async () => {
    expect((await call('/v1/responses', { model: 'qwen3', input: 'hi' }, 'u-1')).tokens).toEqual({ prompt: 11, completion: 5, total: 16 });
    expect((await call('/v1/responses', { model: 'qwen3', input: 'hi', stream: true }, 'u-2')).tokens).toEqual({ prompt: 13, completion: 6, total: 19 });
    expect((await call('/v1/messages', { model: 'qwen3', max_tokens: 9, messages: [{ role: 'user', content: 'hi' }], stream: true }, 'u-3')).tokens).toEqual({ prompt: 17, completion: 7, total: 24 });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/llm_model_prompt_tokens_total\{model="qwen3"\} 41\b/);
    expect(metrics).toMatch(/llm_model_completion_tokens_total\{model="qwen3"\} 18\b/);
  });
});
