// Media types are case-insensitive (RFC 9110 8.3.1): an upstream answering `Text/Event-Stream` streams
// SSE like one answering `text/event-stream`. The gateway compared the lower-case spelling only, so
// such a stream went to the client as an unread body: the usage chunk the gateway had asked for on the
// client's behalf (and `usage: null` keys) reached a client that never asked for them, and no tokens
// were counted. A passed-through stream's usage is counted either way (checked here too). Real
// sockets: fetch -> semroute -> a node:http upstream.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const CHUNK = { id: 'c', object: 'chat.completion.chunk', model: 'qwen3' };
const SSE =
  `data: ${JSON.stringify({ ...CHUNK, choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }], usage: null })}\n\n` +
  `data: ${JSON.stringify({ ...CHUNK, choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })}\n\n` +
  'data: [DONE]\n\n';

// A passed-through completion stream whose client asked for usage (its last event carries it).
const COMPLETION_SSE =
  `data: ${JSON.stringify({ id: 'p', object: 'text_completion', model: 'qwen3', choices: [{ index: 0, text: 'hi', finish_reason: 'stop' }] })}\n\n` +
  `data: ${JSON.stringify({ id: 'p', object: 'text_completion', model: 'qwen3', choices: [], usage: { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 } })}\n\n` +
  'data: [DONE]\n\n';

let up: http.Server;
let gw: Gateway;
beforeAll(async () => {
  up = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'Text/Event-Stream; Charset=UTF-8' });
      res.end(req.url === '/v1/completions' ? COMPLETION_SSE : SSE);
    });
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  const port = (up.address() as { port: number }).port;
  gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]) });
});
afterAll(async () => {
  await gw?.close();
  up?.close();
});

it('a Text/Event-Stream answer is read as SSE: the usage the client did not ask for is taken out, the tokens counted', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
  const text = await res.text();
  expect(res.status).toBe(200);
  expect(text).not.toContain('usage');
  expect(text).toContain('"content":"hi"');
  expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  expect(metrics).toMatch(/^llm_model_completion_tokens_total\{model="qwen3"\} 1$/m);
});

it('a passed-through Text/Event-Stream answer is read as SSE for its usage (tokens counted)', async () => {
  const count = async () => Number(/^llm_model_completion_tokens_total\{model="qwen3"\} (\S+)$/m.exec(await (await fetch(`${gw.url}/metrics`)).text())?.[1] ?? 0);
  const before = await count();
  const res = await fetch(`${gw.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen3', stream: true, stream_options: { include_usage: true }, prompt: 'x' }),
  });
  expect(await res.text()).toContain('"completion_tokens":5');
  expect(await count()).toBe(before + 5);
});
