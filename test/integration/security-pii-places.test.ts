// Personal data in every place of a request the client controls, and in upstream answers that echo
// it back (vLLM quotes the prompt in some validation errors), must not reach what the process writes:
// a real process with debug logs and stdout spans, an upstream on a real socket that echoes, then
// stdout, stderr and /metrics are searched. guard-leaks.test.ts does the same for prompt text through
// the guard's doors; this file covers the other fields, headers, URL parts and error paths.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';

const V = { email: 'zq.canary.9313@leakcheck.example', ssn: '219-09-9999', card: '4111111111111111', phone: '+14155550199', name: 'Zebulon Quixlethwaite' };
const P = `${V.name} ${V.email} ${V.ssn} ${V.card} ${V.phone}`;

let upstream: http.Server;
let proc: ChildProcess;
let out = '';
let base = '';

beforeAll(async () => {
  // Echoes the request body in its errors (x-up), as vLLM's validation errors quote the prompt.
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const mode = req.headers['x-up'];
      if (mode === 'echo400') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'error', message: `This model's maximum context length is 10 tokens. You requested: ${body}`, type: 'BadRequestError', code: 400 }));
      } else if (mode === 'echo500') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`Internal error processing ${body}`);
      } else if (mode === 'sse-error') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'qwen3', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] })}\n\n`);
        res.end(`data: ${JSON.stringify({ error: { message: `failed on ${body}`, type: 'BadRequestError', code: 400 } })}\n\n`);
      } else if (mode === 'cut') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'qwen3', choices: [{ index: 0, delta: { content: body }, finish_reason: null }] })}\n\n`);
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
      }
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'semroute-pii-places-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `default_model: qwen3\nvllm_endpoints: [{ name: up, address: 127.0.0.1, port: ${port} }]\n` +
      'model_config: { qwen3: {} }\nrouting: { enabled: false }\n' +
      `packs: { dir: ${dir} }\nserver: { passthrough_paths: [/v1/embeddings, /v1/completions] }\n` +
      'observability: { logging: { level: debug }, tracing: { enabled: true, exporter: { type: stdout } } }\n',
  );
  proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', file, '--port', '0', '--host', '127.0.0.1'], { cwd: REPO, env: { ...process.env, LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const deadline = Date.now() + 30_000;
  while (!base) {
    const m = /"port":(\d+)[^\n]*semroute listening/.exec(out);
    if (m) base = `http://127.0.0.1:${m[1]}`;
    else if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`semroute did not start: ${out.slice(-2000)}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
}, 60_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

const send = (path: string, init: RequestInit) => fetch(`${base}${path}`, init).then(async (r) => ({ status: r.status, text: await r.text() }));
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  send(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Lines holding any of the values (as written, without spaces, JSON- or URL-escaped), cut short. */
function leaks(text: string): string[] {
  const forms = Object.values(V).flatMap((v) => [v, v.replace(/\s/g, ''), JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]);
  return text.split('\n').filter((l) => forms.some((f) => l.includes(f))).map((l) => l.slice(0, 400));
}

describe('personal data in client-controlled places and echoed errors', () => {
  it('reaches no log line, span or metric', async () => {
    const user = [{ role: 'user', content: 'hello there' }];
    const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) => post('/v1/chat/completions', { model: 'qwen3', messages: user, ...body }, headers);
    // body fields the router does not read
    expect((await chat({ user: V.email, metadata: { email: V.email, ssn: V.ssn } })).status).toBe(200);
    expect((await chat({ tools: [{ type: 'function', function: { name: 'lookup', description: P, parameters: { type: 'object', properties: { [V.email]: { type: 'string', description: P } } } } }], tool_choice: { type: 'function', function: { name: V.email } } })).status).toBe(200);
    expect((await chat({ messages: [...user, { role: 'assistant', tool_calls: [{ id: V.ssn, type: 'function', function: { name: V.email, arguments: JSON.stringify({ p: P }) } }] }, { role: 'tool', tool_call_id: V.ssn, content: P }] })).status).toBe(200);
    expect((await chat({ model: V.email })).status).toBe(200);
    expect((await chat({ model: 'MoM', reasoning_effort: V.email, chat_template_kwargs: { enable_thinking: V.email } })).status).toBe(200);
    // headers and URL parts
    expect((await chat({}, { 'x-foo': P, 'user-agent': P, authorization: `Bearer ${V.email}`, cookie: `a=${V.email}`, traceparent: P, tracestate: `v=${V.ssn}`, baggage: `u=${V.email}`, 'x-forwarded-for': V.email, 'x-user-id': V.email, 'x-vsr-cache-control': V.email, accept: `text/${V.email}` })).status).toBe(200);
    expect((await post(`/v1/chat/completions?email=${encodeURIComponent(V.email)}&ssn=${V.ssn}`, { model: 'qwen3', messages: user })).status).toBe(200);
    for (const path of [`/v1/chat/completions/${encodeURIComponent(V.email)}`, `/${encodeURIComponent(P)}`, `/api/v1/classify/${encodeURIComponent(V.email)}`]) expect((await post(path, { text: P })).status).toBe(404);
    expect((await send(`/v1/models/${encodeURIComponent(V.email)}?q=${V.ssn}`, { method: 'GET' })).status).toBe(404);
    // malformed or wrong-typed bodies with the values next to the error
    for (const broken of [`{"model":"qwen3","messages":[], "${V.email}": ${V.ssn}}`, `{"model":"qwen3",${V.email}`, `{"model":"qwen3","messages":[{"role":"user","content":"${V.email}\u0001"}]}`, `{"model":"qwen3","messages":[{"role":"user","content":"x"}],"seed":1e999,"${V.email}":1e999}`]) {
      expect((await post('/v1/chat/completions', broken)).status).toBe(400);
    }
    expect((await chat({ stream: V.email, n: V.ssn, max_tokens: P })).status).toBe(400);
    expect((await chat({ messages: [{ role: V.email, content: [{ type: V.email, text: P }] }] })).status).toBe(200);
    expect((await send('/v1/chat/completions', { method: 'POST', headers: { 'content-type': `text/${V.email}` }, body: '{}' })).status).toBe(415);
    expect((await send('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': `x${V.card}` }, body: '{}' })).status).toBe(415);
    // upstream answers that echo the request: JSON 400, text 500, an SSE error event, a cut stream
    const prompt = [{ role: 'user', content: P }];
    expect((await chat({ messages: prompt }, { 'x-up': 'echo400' })).status).toBe(400);
    expect((await chat({ messages: prompt, stream: true }, { 'x-up': 'echo400' })).status).toBe(400);
    expect((await chat({ messages: prompt }, { 'x-up': 'echo500' })).status).toBe(500);
    expect((await chat({ messages: prompt, stream: true }, { 'x-up': 'sse-error' })).status).toBe(200);
    expect((await chat({ messages: prompt, stream: true }, { 'x-up': 'cut' })).status).toBe(200);
    // passed-through routes: echoed errors, broken JSON, a made-up model
    expect((await post('/v1/embeddings', { model: 'qwen3', input: P }, { 'x-up': 'echo400' })).status).toBe(400);
    expect((await post('/v1/completions', { model: 'qwen3', prompt: P, stream: true }, { 'x-up': 'sse-error' })).status).toBe(200);
    expect((await post('/v1/completions', { model: 'qwen3', prompt: P }, { 'x-up': 'echo500' })).status).toBe(500);
    await post('/v1/embeddings', `{"model":"qwen3","input":"${V.email}`);
    await post(`/v1/embeddings?u=${encodeURIComponent(V.email)}`, { model: V.email, input: 'x', user: V.email });
    // classification API: fields other than the text
    await post('/api/v1/classify/intent', { text: 'hi', model: V.email, options: { [V.email]: V.ssn } });
    await post('/api/v1/classify/batch', { texts: ['hi'], task_type: V.email, options: { x: V.ssn } });
    await post('/api/v1/classify/combined', { text: 'hi', tasks: [V.email] });
    await post('/api/v1/classify/pii', `{"text":"${V.email}`);

    await new Promise((r) => setTimeout(r, 300));
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    expect(out.split('\n').filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(15);
    expect(out).toContain('"event":"span"');
    expect(leaks(out)).toEqual([]);
    expect(leaks(metrics)).toEqual([]);
  }, 60_000);
});
