// Node side of the Node-vs-Worker parity tests (started by global-setup.ts): an upstream that stalls,
// and Node gateways on real sockets with the same YAMLs the Worker side runs (parityYaml and its kin),
// a set per test file (node-gateways.ts), so both runtimes are driven with the same requests against
// the same upstreams.
//   model stall-head   never sends a response head (upstream.timeout_ms: 504)
//   model stall-body   sends the head and the start of the answer (JSON or one SSE event), then nothing
//   model stall-redact the same, for a model whose PII policy redacts and restores (the restore tap)
//   model stall-silent sends the head, then nothing
//   model gzip-body    a gzip-encoded answer (br-body, deflate-body, x-gzip-body, gzip-upper, identity-body, unknown-encoding: ENCODED); err-500 a 500 with headers of its own; odd-headers
//                      repeated headers (two set-cookie) and a latin1 byte in a value
//   model redirect     307 to /v1/redirected (which answers {"followed":true}); drop: the socket is
//                      closed unanswered; truncated: shorter than its content-length; plain-text;
//                      echo-request: what the upstream received (method, url, headers but host, body);
//                      no-content: 204; rate-limited: 429 with retry-after; raw-*: RAW below
//   model refused      on an endpoint that refuses connections; dead-then-live: that one, then this
//   model tls-mismatch on an https endpoint that speaks plain HTTP
//   model drop-then-live on stall, then stall-twin (the same server under another endpoint name): a
//                      request id's first arrival is dropped unanswered, a later one answered (so a
//                      request sent on after a drop shows up as a second arrival and a 200)
//   header x-stall-cut the first arrival of its x-stall-id is reset after the first body bytes are read
//                      (the upstream never has the whole request); a later one is answered as usual
//   GET /closed/<x-stall-id>  whether that request's socket has closed (the gateway gave it up)
//   GET /arrivals/<x-stall-id> how many times a request with that id reached this upstream
//   GET /node-logs            the Node gateways' log lines so far (JSON array of objects)
import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { startNodeGateways } from './node-gateways.ts';
import { DEFAULT_MOCK_MODELS } from '../../src/mock/intake.ts';
import { refusedPort } from '../integration/helpers/refused-port.ts';

const COMPLETION = '{"id":"r","object":"chat.completion","created":1,"model":"qwen3","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}';
// Connection: close, as the socket is closed after each: a client must not reuse it for the next request.
const ok = (head: string) => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n${head}\r\n\r\n${COMPLETION}`;
/** Raw answers written on the socket (as gateway-http-peers.test.ts / upstream-exchange-shapes on Node): most break HTTP framing. */
// A chat stream's event, and an SSE head (stream-ends.test.ts: streams that end before they are whole).
const sseEvent = (content: string) => `data: {"id":"r","object":"chat.completion.chunk","created":1,"model":"qwen3","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;
const SSE_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n';
const CUT_BODY = `${sseEvent('He')}${sseEvent('llo').slice(0, 30)}`;
const DONE_BODY = `${sseEvent('He')}${sseEvent('llo').replace('"finish_reason":null', '"finish_reason":"stop"')}data: [DONE]\n\n`;
export const RAW: Record<string, string> = {
  // Ends cleanly at the HTTP level (the close ends a body with no length) after two chunks: no [DONE], no finish_reason.
  'raw-sse-close-delimited': `${SSE_HEAD}\r\n${sseEvent('He')}${sseEvent('llo')}`,
  // Chunked, the whole answer and [DONE], then closed with no last chunk (the answer is whole at [DONE]).
  'raw-sse-done-then-cut': `${SSE_HEAD}Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(DONE_BODY).toString(16)}\r\n${DONE_BODY}\r\n`,
  // JSON to a stream request (an engine that ignores stream: true).
  'raw-json-for-stream': ok(`Content-Length: ${COMPLETION.length}`),
  // Chunked, closed in the middle of an event with no last chunk.
  'raw-sse-cut-mid-event': `${SSE_HEAD}Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(CUT_BODY).toString(16)}\r\n${CUT_BODY}\r\n`,
  'raw-two-lengths': ok(`Content-Length: ${COMPLETION.length}\r\nContent-Length: 3`),
  'raw-length-and-chunked': ok('Content-Length: 5\r\nTransfer-Encoding: chunked'),
  'raw-bad-status': `HTTP/1.1 abc\r\nContent-Length: ${COMPLETION.length}\r\n\r\n${COMPLETION}`,
  'raw-101': 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n',
  'raw-100': `HTTP/1.1 100 Continue\r\n\r\n${ok(`Content-Length: ${COMPLETION.length}`)}`,
  // Not broken: an informational answer before the final one (Node passes the final one on).
  'raw-103': `HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n${ok(`Content-Length: ${COMPLETION.length}`)}`,
  'raw-te-gzip-chunked': ok('Transfer-Encoding: gzip, chunked'),
  'raw-http10': `HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n${COMPLETION}`,
  'raw-empty-200': 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
  'raw-no-reason': `HTTP/1.1 200\r\nContent-Type: application/json\r\nContent-Length: ${COMPLETION.length}\r\nConnection: close\r\n\r\n${COMPLETION}`,
  'raw-space-colon': `HTTP/1.1 200 OK\r\nContent-Type : application/json\r\nContent-Length: ${COMPLETION.length}\r\nConnection: close\r\n\r\n${COMPLETION}`,
  'raw-folded': `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Folded: a\r\n b\r\nContent-Length: ${COMPLETION.length}\r\nConnection: close\r\n\r\n${COMPLETION}`,
  'raw-lf-only': `HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: ${COMPLETION.length}\nConnection: close\n\n${COMPLETION}`,
  'raw-status-999': `HTTP/1.1 999 Weird\r\nContent-Type: application/json\r\nContent-Length: ${COMPLETION.length}\r\nConnection: close\r\n\r\n${COMPLETION}`,
  'raw-long-body': ok(`Content-Length: ${COMPLETION.length + 10}`),
  'raw-short-body': `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 20\r\n\r\n${COMPLETION}`,
  // A header its Connection names is the upstream hop's own: not passed on (RFC 9110 7.6.1).
  'raw-connection-listed': `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close, X-Hop\r\nX-Hop: upstream-only\r\nX-Kept: yes\r\nContent-Length: ${COMPLETION.length}\r\n\r\n${COMPLETION}`,
  'raw-trailers': `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n${COMPLETION.length.toString(16)}\r\n${COMPLETION}\r\n0\r\nx-checksum: abc\r\n\r\n`,
};

/** Answers in other content-encodings (as gzip-body): model -> [content-encoding, encoder]. */
const ENCODED: Record<string, [string, (b: Buffer) => Buffer]> = {
  'br-body': ['br', (b) => brotliCompressSync(b)],
  'deflate-body': ['deflate', (b) => deflateSync(b)],
  'x-gzip-body': ['x-gzip', (b) => gzipSync(b)],
  'gzip-upper': ['GZIP', (b) => gzipSync(b)],
  'identity-body': ['identity', (b) => b],
  'unknown-encoding': ['x-custom', (b) => b],
};

export const STALL_CHUNK = 'data: {"id":"s","object":"chat.completion.chunk","created":1,"model":"stall-body","choices":[{"index":0,"delta":{"content":"first "}}]}\n\n';

/**
 * The default config with what the parity tests need: upstream timeouts of 10 s, a small body limit,
 * the in-memory semantic cache, the stall models on the stall upstream, and a model whose PII policy
 * denies e-mail addresses with nowhere else to go (the PII block).
 * The timeouts are far above what any answer here takes (ms): these tests compare answers, not timers
 * (node-parity-timeouts.test.ts checks those, on parityTimeoutYaml). With 1.5 s, a process starved on a
 * loaded 2-core box (workerd was seen not to run for 9 s, node-parity-leave, b499631) woke with the
 * head timer overdue and answered 504 upstream_timeout though the upstream had answered at once.
 */
export function parityYaml(mockPort: number, stallPort: number, deadPort: number): string {
  const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, any>;
  doc.vllm_endpoints = [
    { name: 'production-stack', address: '127.0.0.1', port: mockPort, weight: 1 },
    { name: 'stall', address: '127.0.0.1', port: stallPort, weight: 1 },
    { name: 'dead', address: '127.0.0.1', port: deadPort, weight: 1 },
    { name: 'tls-on-plain', address: '127.0.0.1', port: stallPort, weight: 1, scheme: 'https' },
    { name: 'stall-twin', address: '127.0.0.1', port: stallPort, weight: 1 },
  ];
  const onStall = { reasoning_family: 'qwen3', preferred_endpoints: ['stall'], pii_policy: { allow_by_default: true } };
  doc.model_config = {
    ...doc.model_config,
    'stall-head': onStall,
    'stall-body': onStall,
    'stall-silent': onStall,
    // A redacting model: its answers pass the PII restore tap (JSON buffered, SSE rewritten).
    'stall-redact': { ...onStall, pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true } },
    // The same two for node-parity-leave.test.ts: its own names, so its counts are its own.
    'leave-body': onStall,
    'leave-redact': { ...onStall, pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true } },
    'gzip-body': onStall,
    ...Object.fromEntries(Object.keys(ENCODED).map((m) => [m, onStall])),
    'err-500': onStall,
    'odd-headers': onStall,
    redirect: onStall,
    drop: onStall,
    truncated: onStall,
    'plain-text': onStall,
    'echo-request': onStall,
    'no-content': onStall,
    ...Object.fromEntries(Object.keys(RAW).map((m) => [m, onStall])),
    'rate-limited': onStall,
    refused: { ...onStall, preferred_endpoints: ['dead'] },
    'dead-then-live': { ...onStall, preferred_endpoints: ['dead', 'stall'] },
    'drop-then-live': { ...onStall, preferred_endpoints: ['stall', 'stall-twin'] },
    'tls-mismatch': { ...onStall, preferred_endpoints: ['tls-on-plain'] },
    'pii-strict': { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack'], pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'block' } },
    'pii-redact': { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack'], pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true } },
  };
  doc.default_model = 'pii-strict';
  doc.upstream = { ...doc.upstream, timeout_ms: 10_000, idle_timeout_ms: 10_000 };
  doc.server = { ...doc.server, max_body_bytes: 65536 };
  doc.semantic_cache = { ...doc.semantic_cache, enabled: true, backend_type: 'memory' };
  return stringifyYaml(doc);
}

/**
 * parityYaml with node-parity-timeouts.test.ts's timeouts. no head: a 1.5 s head timeout. stalled
 * body: a 1 s idle timeout after a head that came at once, under a 10 s head timeout, so that a
 * starved process that wakes with both the head and an overdue head timer (parityYaml says why) cannot
 * take the head timeout for the idle one it checks.
 */
export function parityTimeoutYaml(mockPort: number, stallPort: number, deadPort: number, timeouts: { timeout_ms: number; idle_timeout_ms: number }): string {
  const doc = parseYaml(parityYaml(mockPort, stallPort, deadPort)) as Record<string, any>;
  doc.upstream = { ...doc.upstream, ...timeouts };
  return stringifyYaml(doc);
}
export const NO_HEAD_TIMEOUTS = { timeout_ms: 1500, idle_timeout_ms: 1000 };
export const STALLED_BODY_TIMEOUTS = { timeout_ms: 10_000, idle_timeout_ms: 1000 };

/** parityYaml with the guard flagging instead of blocking, and a scan budget of 3 texts past which the rest is forwarded unscanned. */
export function parityFlagYaml(mockPort: number, stallPort: number, deadPort: number): string {
  const doc = parseYaml(parityYaml(mockPort, stallPort, deadPort)) as Record<string, any>;
  doc.prompt_guard = { ...doc.prompt_guard, action: 'flag', budget: { ...doc.prompt_guard.budget, max_texts: 3, on_exceed: 'allow' } };
  return stringifyYaml(doc);
}

export async function startParity(): Promise<{ yaml: string; flagYaml: string; headYaml: string; idleYaml: string; stallUrl: string; nodeGatewaysUrl: string; close(): Promise<void> }> {
  // Its own mock router, which also serves the default model (pii-strict) the PII block needs and pii-redact.
  const mock = await startMockServer({ options: { models: [...DEFAULT_MOCK_MODELS, 'pii-strict', 'pii-redact'] } });
  const closed = new Map<string, boolean>();
  const arrivals = new Map<string, number>();
  const logs: unknown[] = [];
  const server = http.createServer((req, res) => {
    const idMatch = /^\/closed\/(.+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && idMatch) return void res.end(String(closed.get(idMatch[1]!) ?? 'unknown'));
    const arrivalsMatch = /^\/arrivals\/(.+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && arrivalsMatch) return void res.end(String(arrivals.get(arrivalsMatch[1]!) ?? 0));
    const stallId = String(req.headers['x-stall-id'] ?? '');
    const arrival = stallId ? (arrivals.get(stallId) ?? 0) + 1 : 0;
    if (stallId) arrivals.set(stallId, arrival);
    // An RST once some of the body is in: the upstream never had the whole request.
    if (req.headers['x-stall-cut'] && arrival === 1) return void req.once('data', () => req.socket.resetAndDestroy());
    if (req.method === 'GET' && req.url === '/node-logs') return void res.end(JSON.stringify(logs));
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as { model?: string; stream?: boolean };
      const id = String(req.headers['x-stall-id'] ?? '');
      if (id) closed.set(id, false);
      res.on('close', () => id && closed.set(id, true));
      if (body.model === 'stall-head') return;
      // stall-redact: as stall-body (the gateway sends the redacted request under the same name).
      if (body.model === 'stall-silent') return void res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' }).flushHeaders();
      if (body.model === 'gzip-body') {
        const text = body.stream ? `${STALL_CHUNK}data: [DONE]\n\n` : JSON.stringify({ id: 'g', object: 'chat.completion', created: 1, model: 'gzip-body', choices: [{ index: 0, message: { role: 'assistant', content: 'zipped' }, finish_reason: 'stop' }] });
        const z = gzipSync(text);
        res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json', 'content-encoding': 'gzip', 'content-length': z.length });
        return void res.end(z);
      }
      const encoded = body.model ? ENCODED[body.model] : undefined;
      if (encoded) {
        const text = body.stream ? `${STALL_CHUNK}data: [DONE]\n\n` : JSON.stringify({ id: 'e', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'encoded' }, finish_reason: 'stop' }] });
        const z = encoded[1](Buffer.from(text));
        res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json', 'content-encoding': encoded[0], 'content-length': z.length });
        return void res.end(z);
      }
      if (body.model === 'err-500') {
        res.writeHead(500, { 'content-type': 'application/json', 'x-upstream-note': 'broken', 'retry-after': '3' });
        return void res.end(JSON.stringify({ error: { message: 'engine exploded', type: 'server_error', code: 500 } }));
      }
      if (req.url === '/v1/redirected') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"followed":true}');
      if (body.model === 'redirect') return void res.writeHead(307, { location: '/v1/redirected', 'content-type': 'application/json' }).end('{"moved":true}');
      if (body.model === 'drop' || (body.model === 'drop-then-live' && arrival === 1)) return void res.socket?.destroy();
      if (body.model === 'drop-then-live') return void res.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION);
      if (body.model === 'truncated') {
        res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json', 'content-length': 500 });
        res.write(body.stream ? STALL_CHUNK : '{"id":"t","object":"chat.completion","choices":[');
        return void setTimeout(() => res.socket?.destroy(), 50);
      }
      if (body.model === 'echo-request') {
        const { host: _h, ...headers } = req.headers;
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, url: req.url, headers, body: Buffer.concat(parts).toString('utf8') }));
      }
      if (body.model && RAW[body.model]) return void req.socket.end(RAW[body.model]);
      if (body.model === 'no-content') return void res.writeHead(204, { 'x-upstream-note': 'empty' }).end();
      if (body.model === 'rate-limited') return void res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' }).end('{"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limited"}}');
      if (body.model === 'plain-text') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('hello, not JSON');
      if (body.model === 'odd-headers') {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('x-latin1', Buffer.from('caf\xe9', 'latin1').toString('latin1'));
        res.setHeader('x-multi', ['one', 'two']);
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ id: 'o', object: 'chat.completion', created: 1, model: 'odd-headers', choices: [{ index: 0, message: { role: 'assistant', content: 'odd' }, finish_reason: 'stop' }] }));
      }
      res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' });
      res.write(body.stream ? STALL_CHUNK : '{"id":"s","object":"chat.completion","choices":[');
    });
  });
  // Idle keep-alive sockets stay open (Node closes them after 5 s by default): workerd pools its
  // sockets to this server (the Worker's upstream requests and the tests' /closed polls), and one closed
  // by the server as workerd reused it failed the Worker's next request ('Network connection lost',
  // Broken pipe; 502 upstream_unavailable on the only endpoint), 3 of 4 loaded node-parity-leave runs.
  // The stale-socket case itself is runtimes/worker/README.md's; these tests are about other things.
  server.keepAliveTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const stallPort = (server.address() as AddressInfo).port;
  const deadPort = await refusedPort();
  const yaml = parityYaml(mock.port, stallPort, deadPort);
  const flagYaml = parityFlagYaml(mock.port, stallPort, deadPort);
  const headYaml = parityTimeoutYaml(mock.port, stallPort, deadPort, NO_HEAD_TIMEOUTS);
  const idleYaml = parityTimeoutYaml(mock.port, stallPort, deadPort, STALLED_BODY_TIMEOUTS);
  const gateways = await startNodeGateways({ parity: yaml, flag: flagYaml, head: headYaml, idle: idleYaml }, logs);
  return {
    yaml,
    flagYaml,
    headYaml,
    idleYaml,
    stallUrl: `http://127.0.0.1:${stallPort}`,
    nodeGatewaysUrl: gateways.url,
    async close() {
      await gateways.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await mock.close();
    },
  };
}
