// An upstream's error answer, as each door hands it to its client. The HTTP gateway makes it OpenAI-
// shaped whatever the engine or a proxy wrote (upstreamErrorBody: FastAPI's {"detail": ...}, a proxy's
// HTML page, an old vLLM's {"object": "error", ...} become {error: {message, type, param, code}}) and
// says application/json; behind Envoy the client got the upstream's bytes as they were, so an OpenAI
// SDK read another error (or none) for the same failure. The same answers here through both doors over
// one deps (real gRPC; a node:http upstream behind the gateway, its answer replayed to ext_proc as Envoy
// sends it, BUFFERED in one message or STREAMED in two chunks): the same status, content type and body.
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';
import { clientBytes, type Msg, requestBody, requestHeaders, responseBody, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { startBothDoors } from './helpers/extproc-real-pipeline.ts';
import { loadExtProc, PROCESS_METHOD_PATH } from '../../runtimes/node/extproc/proto.ts';

const ANSWERS: Record<string, { status: number; type: string; body: string }> = {
  fastapi: { status: 404, type: 'application/json', body: '{"detail":"Not Found"}' },
  html: { status: 502, type: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  'old-vllm': { status: 400, type: 'application/json', body: '{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}' },
  openai: { status: 429, type: 'application/json', body: '{"error":{"message":"Too many requests","type":"rate_limit_error","code":"rate_limited"}}' },
};

let server: http.Server;
let doors: Awaited<ReturnType<typeof startBothDoors>>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = ANSWERS[String(req.headers['x-answer'])]!;
      res.writeHead(a.status, { 'content-type': a.type });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const config = testConfig({ routing: { enabled: false } }, [{ name: 'production-stack', address: '127.0.0.1', port: (server.address() as AddressInfo).port, weight: 1 }]);
  doors = await startBothDoors(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics: createMetrics({ config }), noCache: true });
}, 60_000);
afterAll(async () => {
  await doors?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const ROUTES: Array<[string, unknown]> = [
  ['/v1/chat/completions', { model: 'qwen3', messages: [{ role: 'user', content: 'Name a river.' }] }],
  ['/v1/completions', { model: 'qwen3', prompt: 'Name a river.' }],
];

interface Seen {
  status: number;
  type: string | undefined;
  body: string;
}

async function viaGateway(path: string, body: unknown, answer: string): Promise<Seen> {
  const r = await fetch(`${doors.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-answer': answer }, body: JSON.stringify(body) });
  return { status: r.status, type: r.headers.get('content-type') ?? undefined, body: await r.text() };
}

/** What the client gets through Envoy: the upstream's head with ext_proc's mutation, and the body's answers. */
async function viaEnvoy(path: string, body: unknown, answer: string, mode: 'BUFFERED' | 'STREAMED'): Promise<Seen> {
  const a = ANSWERS[answer]!;
  const s = doors.envoy.open();
  await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
  expect((await s.send(requestBody(JSON.stringify(body)))).response).toBe('request_body');
  const head: Record<string, string> = { ':status': String(a.status), 'content-type': a.type, 'content-length': String(a.body.length) };
  const h = await s.send(responseHeaders(head));
  const m = h.response_headers?.response?.header_mutation;
  const headers: Record<string, string> = { ...head, ...setHeaders(m) };
  for (const k of m?.remove_headers ?? []) delete headers[k];
  const cut = mode === 'BUFFERED' ? [a.body] : [a.body.slice(0, 10), a.body.slice(10)];
  let out = '';
  for (const [i, p] of cut.entries()) out += clientBytes(p, await s.send(responseBody(p, i === cut.length - 1)));
  s.end();
  // The body's length as the client's framing gives it: content-length where one still stands.
  if (headers['content-length'] !== undefined) expect(Number(headers['content-length'])).toBe(Buffer.byteLength(out));
  return { status: a.status, type: headers['content-type'], body: out };
}

describe('an upstream error answer reads the same through Envoy as through the gateway', () => {
  for (const [path, body] of ROUTES) {
    for (const answer of Object.keys(ANSWERS)) {
      for (const mode of ['BUFFERED', 'STREAMED'] as const) {
        it(`${path}, ${answer} ${ANSWERS[answer]!.status}, ${mode}`, async () => {
          const gateway = await viaGateway(path, body, answer);
          expect(gateway.status).toBe(ANSWERS[answer]!.status);
          expect(JSON.parse(gateway.body)).toHaveProperty('error.message');
          expect(await viaEnvoy(path, body, answer, mode)).toEqual(gateway);
        });
      }
    }
  }
});

describe('in FULL_DUPLEX_STREAMED (chunks sent without waiting; body answers are streamed_responses)', () => {
  it('the error body is held and goes, rewritten, with the last chunk', async () => {
    const gateway = await viaGateway('/v1/chat/completions', ROUTES[0]![1], 'fastapi');
    const method = (loadExtProc().packageDefinition['envoy.service.ext_proc.v3.ExternalProcessor'] as any).Process;
    const client = new grpc.Client(`127.0.0.1:${doors.ext.port}`, grpc.credentials.createInsecure());
    const call = client.makeBidiStreamRequest<Buffer, Msg>(PROCESS_METHOD_PATH, (b) => b, method.responseDeserialize);
    const got: Msg[] = [];
    call.on('data', (m: Msg) => got.push(m));
    call.on('error', () => {});
    const write = (m: Msg) => call.write(method.requestSerialize(m));
    const wait = async (n: number) => {
      for (let i = 0; i < 100 && got.length < n; i++) await new Promise((r) => setTimeout(r, 20));
      return got.splice(0, got.length);
    };
    const a = ANSWERS.fastapi!;
    write({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'FULL_DUPLEX_STREAMED', response_body_mode: 'FULL_DUPLEX_STREAMED' } });
    write(requestBody(JSON.stringify(ROUTES[0]![1])));
    expect((await wait(2)).map((m) => m.response)).toEqual(['request_headers', 'request_body']);
    write(responseHeaders({ ':status': String(a.status), 'content-type': a.type }));
    const [h] = await wait(1);
    expect(setHeaders(h!.response_headers.response.header_mutation)['content-type']).toBe('application/json');
    write(responseBody(a.body.slice(0, 10), false));
    write(responseBody(a.body.slice(10), true));
    const replies = await wait(1);
    call.end();
    client.close();
    const out = replies.map((m) => Buffer.from(m.response_body.response.body_mutation.streamed_response.body ?? []).toString()).join('');
    expect(replies.at(-1)!.response_body.response.body_mutation.streamed_response.end_of_stream).toBe(true);
    expect(out).toBe(gateway.body);
  });
});
