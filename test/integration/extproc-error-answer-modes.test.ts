// An upstream's error answer through ext_proc in the body modes and encodings extproc-error-answer.test.ts
// leaves out. The HTTP gateway makes every error answer OpenAI-shaped and plain (its upstream client
// decodes gzip, deflate and br, and reads any other coding as the bytes it is). Behind Envoy:
// - BUFFERED_PARTIAL: Envoy holds the head until the body's first message (all of it when it fits its
//   buffer, end_of_stream set), and applies a header mutation sent with that message's answer. A whole
//   body is rewritten there, the head changed with it; a part (end_of_stream unset, the rest going by
//   unseen) goes on as the upstream wrote it, head and all, since nothing could take the rest back.
// - A compressed body (content-encoding) is decoded, rewritten and sent plain, content-encoding removed
//   and content-length dropped or set to the new length, in every mode that reads it.
// - NONE (no mode_override honoured): ext_proc never sees the body; the head goes on as it came, so the
//   client never gets a content type that does not match what follows it.
// Real gRPC, both doors over one deps; a node:http upstream behind the gateway, its answer replayed to
// ext_proc as Envoy sends it.
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';
import { type Msg, requestBody, requestHeaders, responseBody, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { startBothDoors } from './helpers/extproc-real-pipeline.ts';
import { loadExtProc, PROCESS_METHOD_PATH } from '../../runtimes/node/extproc/proto.ts';

const ANSWERS: Record<string, { status: number; type: string; body: string }> = {
  fastapi: { status: 404, type: 'application/json', body: '{"detail":"Not Found"}' },
  html: { status: 502, type: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  'old-vllm': { status: 400, type: 'application/json', body: '{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}' },
  // 3 MiB of text that gzip makes a few KB: both doors read only its first MiB (MAX_ERROR_TEXT_BYTES).
  huge: { status: 400, type: 'application/json', body: `{"detail":"${'prompt too long '.repeat(196_608)}"}` },
};

type Coding = 'identity' | 'gzip' | 'deflate' | 'br' | 'zstd' | 'gzip-corrupt';

/** The body as the upstream sends it under `coding` (zstd: bytes no decoder here reads; gzip-corrupt: a gzip whose data is damaged). */
function encoded(body: string, coding: Coding): Buffer {
  const raw = Buffer.from(body);
  if (coding === 'gzip') return zlib.gzipSync(raw);
  if (coding === 'deflate') return zlib.deflateSync(raw);
  if (coding === 'br') return zlib.brotliCompressSync(raw);
  if (coding === 'zstd') return Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x61, 0x00, 0x00, 0x7b]);
  if (coding === 'gzip-corrupt') {
    const z = zlib.gzipSync(raw);
    for (let i = 12; i < z.length - 8; i++) z[i] = z[i]! ^ 0x5a;
    return z;
  }
  return raw;
}
const headerOf = (coding: Coding) => (coding === 'gzip-corrupt' ? 'gzip' : coding);

let server: http.Server;
let doors: Awaited<ReturnType<typeof startBothDoors>>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = ANSWERS[String(req.headers['x-answer'])]!;
      const coding = String(req.headers['x-coding']) as Coding;
      const bytes = encoded(a.body, coding);
      res.writeHead(a.status, { 'content-type': a.type, 'content-length': bytes.length, ...(coding === 'identity' ? {} : { 'content-encoding': headerOf(coding) }) });
      res.end(bytes);
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

const CHAT = { model: 'qwen3', messages: [{ role: 'user', content: 'Name a river.' }] };
// A generation route ext_proc reads (generation-body.ts), whose error answers it rewrites as chat's.
const ROUTES: Record<string, unknown> = { '/v1/chat/completions': CHAT, '/v1/completions': { model: 'qwen3', prompt: 'Name a river.' } };

interface Seen {
  status: number;
  type: string | undefined;
  encoding?: string;
  body: string;
}

async function viaGateway(answer: string, coding: Coding, path = '/v1/chat/completions'): Promise<Seen> {
  const r = await fetch(`${doors.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-answer': answer, 'x-coding': coding }, body: JSON.stringify(ROUTES[path]) });
  return { status: r.status, type: r.headers.get('content-type') ?? undefined, encoding: r.headers.get('content-encoding') ?? undefined, body: await r.text() };
}

function apply(headers: Record<string, string>, m: Msg | undefined): void {
  Object.assign(headers, setHeaders(m));
  for (const k of m?.remove_headers ?? []) delete headers[k];
}

type Mode = 'BUFFERED' | 'STREAMED' | 'BUFFERED_PARTIAL' | 'NONE';

/**
 * What the client gets through Envoy. `partial`: BUFFERED_PARTIAL past Envoy's buffer, so only the
 * first half reaches ext_proc (end_of_stream unset) and the rest goes on unseen. A header mutation in a
 * body's answer applies where Envoy holds the head for it (BUFFERED, BUFFERED_PARTIAL). The client
 * decodes a content-encoding that still stands, as fetch does.
 */
async function viaEnvoy(answer: string, coding: Coding, mode: Mode, partial = false, path = '/v1/chat/completions'): Promise<Seen & { headers: Record<string, string> }> {
  const a = ANSWERS[answer]!;
  const bytes = encoded(a.body, coding);
  const s = doors.envoy.open();
  await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
  expect((await s.send(requestBody(JSON.stringify(ROUTES[path])))).response).toBe('request_body');
  const head: Record<string, string> = { ':status': String(a.status), 'content-type': a.type, 'content-length': String(bytes.length), ...(coding === 'identity' ? {} : { 'content-encoding': headerOf(coding) }) };
  const h = await s.send(responseHeaders(head));
  expect(h.response_headers?.response?.status ?? 'CONTINUE').toBe('CONTINUE');
  // Nothing asked of an Envoy that does not say it honours mode_override (one that did anyway would
  // then send no body, or another form of it, than the head was answered for); NONE in NONE is no change.
  if (mode === 'NONE') expect(h.mode_override?.response_body_mode ?? 'NONE').toBe('NONE');
  else expect(h.mode_override ?? null).toBeNull();
  const headers = { ...head };
  apply(headers, h.response_headers?.response?.header_mutation);
  let out: Buffer = Buffer.alloc(0);
  if (mode !== 'NONE') {
    const cut = mode === 'STREAMED' ? [bytes.subarray(0, 7), bytes.subarray(7)] : partial ? [bytes.subarray(0, 9)] : [bytes];
    for (const [i, p] of cut.entries()) {
      const end = !partial && i === cut.length - 1;
      const r = await s.send({ response_body: { body: p, end_of_stream: end } });
      const common = r.response_body?.response;
      if (mode !== 'STREAMED') apply(headers, common?.header_mutation);
      const m = common?.body_mutation;
      out = Buffer.concat([out, m?.clear_body ? Buffer.alloc(0) : m?.body ? Buffer.from(m.body) : p]);
    }
    if (partial) out = Buffer.concat([out, bytes.subarray(9)]);
  } else out = bytes;
  s.end();
  // The client's framing: a content-length that still stands must be the body's.
  if (headers['content-length'] !== undefined) expect(Number(headers['content-length'])).toBe(out.length);
  const enc = headers['content-encoding'];
  const text = !enc || coding === 'zstd' || coding === 'gzip-corrupt' ? out.toString() : decode(out, enc).toString();
  return { status: a.status, type: headers['content-type'], encoding: enc, body: text, headers };
}

function decode(b: Buffer, enc: string): Buffer {
  if (enc === 'gzip') return zlib.gunzipSync(b);
  if (enc === 'deflate') return zlib.inflateSync(b);
  if (enc === 'br') return zlib.brotliDecompressSync(b);
  return b;
}

describe('a compressed error answer is decoded, rewritten and sent plain, as the gateway sends it', () => {
  for (const coding of ['gzip', 'deflate', 'br', 'zstd', 'gzip-corrupt'] as const) {
    for (const mode of ['BUFFERED', 'STREAMED', 'BUFFERED_PARTIAL'] as const) {
      for (const answer of ['fastapi', 'html']) {
        it(`${coding}, ${mode}, ${answer}`, async () => {
          const gateway = await viaGateway(answer, coding);
          expect(gateway.status).toBe(ANSWERS[answer]!.status);
          expect(gateway.encoding).toBeUndefined();
          expect(JSON.parse(gateway.body)).toHaveProperty('error.message');
          const { headers, ...envoy } = await viaEnvoy(answer, coding, mode);
          expect(envoy).toEqual(gateway);
        });
      }
    }
  }
});

describe('a compressed error answer that decodes past the gateway\'s cap', () => {
  for (const mode of ['BUFFERED', 'STREAMED'] as const) {
    it(`is read to the cap and said cut, as the gateway says it: gzip, ${mode}`, async () => {
      const gateway = await viaGateway('huge', 'gzip');
      expect(JSON.parse(gateway.body).error.message).toMatch(/^The upstream answered with HTTP 400 and an error larger than 1048576 bytes; the gateway read only its start\. It began: prompt too long/);
      const { headers, ...envoy } = await viaEnvoy('huge', 'gzip', mode);
      expect(envoy).toEqual(gateway);
    });
  }
});

describe('BUFFERED_PARTIAL', () => {
  for (const answer of ['fastapi', 'html', 'old-vllm']) {
    it(`a whole body (end_of_stream on its one message) is rewritten with its head: ${answer}`, async () => {
      const gateway = await viaGateway(answer, 'identity');
      const { headers, ...envoy } = await viaEnvoy(answer, 'identity', 'BUFFERED_PARTIAL');
      expect(envoy).toEqual(gateway);
    });
  }

  it('a part (the rest past Envoy\'s buffer, unseen) goes on as the upstream wrote it, head and all', async () => {
    for (const coding of ['identity', 'gzip'] as const) {
      const a = ANSWERS.html!;
      const { headers, ...envoy } = await viaEnvoy('html', coding, 'BUFFERED_PARTIAL', true);
      expect(envoy, coding).toEqual({ status: 502, type: 'text/html', encoding: coding === 'gzip' ? 'gzip' : undefined, body: a.body });
      expect(headers['content-length'], coding).toBe(String(encoded(a.body, coding).length));
    }
  });
});

describe('NONE (Envoy sends no body, honours no mode_override)', () => {
  it('the head goes on as it came: its content type, length and coding stay the body\'s', async () => {
    for (const coding of ['identity', 'gzip'] as const) {
      const a = ANSWERS.html!;
      const { headers, ...envoy } = await viaEnvoy('html', coding, 'NONE');
      expect(envoy, coding).toEqual({ status: 502, type: 'text/html', encoding: coding === 'gzip' ? 'gzip' : undefined, body: a.body });
      expect(headers['content-length'], coding).toBe(String(encoded(a.body, coding).length));
    }
  });
});

describe('on a generation route (/v1/completions) the same', () => {
  const path = '/v1/completions';
  for (const [coding, mode] of [['gzip', 'BUFFERED'], ['br', 'STREAMED'], ['gzip', 'BUFFERED_PARTIAL'], ['identity', 'BUFFERED_PARTIAL']] as const) {
    it(`${coding}, ${mode}: as the gateway answers it`, async () => {
      const gateway = await viaGateway('fastapi', coding, path);
      expect(JSON.parse(gateway.body)).toHaveProperty('error.message');
      const { headers, ...envoy } = await viaEnvoy('fastapi', coding, mode, false, path);
      expect(envoy).toEqual(gateway);
    });
  }
  it('a BUFFERED_PARTIAL part and NONE go on as the upstream wrote them', async () => {
    for (const [mode, partial] of [['BUFFERED_PARTIAL', true], ['NONE', false]] as const) {
      const { headers, ...envoy } = await viaEnvoy('html', 'gzip', mode, partial, path);
      expect(envoy, mode).toEqual({ status: 502, type: 'text/html', encoding: 'gzip', body: ANSWERS.html!.body });
    }
  });
});

describe('in FULL_DUPLEX_STREAMED, an error answer that ends in trailers (no end_of_stream on its last chunk)', () => {
  for (const path of Object.keys(ROUTES)) {
    it(`${path}: the held chunks go, rewritten, before the trailers`, async () => {
      const gateway = await viaGateway('fastapi', 'identity', path);
      const method = (loadExtProc().packageDefinition['envoy.service.ext_proc.v3.ExternalProcessor'] as any).Process;
      const client = new grpc.Client(`127.0.0.1:${doors.ext.port}`, grpc.credentials.createInsecure());
      const call = client.makeBidiStreamRequest<Buffer, Msg>(PROCESS_METHOD_PATH, (b) => b, method.responseDeserialize);
      const got: Msg[] = [];
      call.on('data', (m: Msg) => got.push(m));
      call.on('error', () => {});
      const write = (m: Msg) => call.write(method.requestSerialize(m));
      // Full duplex answers come when ext_proc is ready, not one per message: wait for `n` of them.
      const wait = async (n: number) => {
        for (let i = 0; i < 250 && got.length < n; i++) await new Promise((r) => setTimeout(r, 20));
        return got.splice(0, got.length);
      };
      const a = ANSWERS.fastapi!;
      write({ ...requestHeaders({ ':method': 'POST', ':path': path, 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'FULL_DUPLEX_STREAMED', response_body_mode: 'FULL_DUPLEX_STREAMED' } });
      write(requestBody(JSON.stringify(ROUTES[path])));
      expect((await wait(2)).map((m) => m.response)).toEqual(['request_headers', 'request_body']);
      write(responseHeaders({ ':status': String(a.status), 'content-type': a.type, trailer: 'x-upstream-status' }));
      expect((await wait(1)).map((m) => m.response)).toEqual(['response_headers']);
      write(responseBody(a.body.slice(0, 10), false));
      write(responseBody(a.body.slice(10), false));
      write({ response_trailers: { trailers: { headers: [] } } });
      const replies = await wait(2);
      call.end();
      client.close();
      expect(replies.at(-1)?.response).toBe('response_trailers');
      const bodies = replies.filter((m) => m.response === 'response_body').map((m) => m.response_body.response.body_mutation.streamed_response);
      expect(bodies.map((b) => Buffer.from(b.body ?? []).toString()).join('')).toBe(gateway.body);
      expect(bodies.some((b) => b.end_of_stream), 'the trailers end the answer').toBe(false);
    });
  }
});
