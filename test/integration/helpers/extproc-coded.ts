// What the ext_proc tests of compressed answers share (extproc-coded-*, extproc-stream-coded): the
// codings, the upstream's answers (an event stream or a JSON completion echoing the text it got), the
// real-pipeline config they run on (PII masked and restored, memory cache), Envoy's STREAMED answer
// played chunk by chunk, and a full-duplex Envoy client (extproc-body-modes too). Each file keeps the
// run() of its own body mode; these were copied between them.
import * as grpc from '@grpc/grpc-js';
import zlib from 'node:zlib';
import { loadExtProc, PROCESS_METHOD_PATH } from '../../../runtimes/node/extproc/proto.ts';
import { responseHeaders, setHeaders, type EnvoyStream, type Msg } from './envoy-client.ts';
import type { ObservedExtProc } from './extproc-real-pipeline.ts';

export type Coding = 'gzip' | 'deflate' | 'br';
export const CODINGS: Coding[] = ['gzip', 'deflate', 'br'];
export const encode = (b: Buffer, c: Coding) => (c === 'gzip' ? zlib.gzipSync(b) : c === 'deflate' ? zlib.deflateSync(b) : zlib.brotliCompressSync(b));
/** The client's view: `b` decoded as its head's content-encoding says (none: as it is). */
export const decode = (b: Buffer, c: string | undefined) => (c === 'gzip' ? zlib.gunzipSync(b) : c === 'deflate' ? zlib.inflateSync(b) : c === 'br' ? zlib.brotliDecompressSync(b) : b);

export const EMAIL = 'ann.lee@example.com';
export const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json' };
export const USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

/** The chat body as ext_proc forwarded it upstream. */
export type Forwarded = { model?: string; messages: Array<{ content: string }>; stream_options?: { include_usage?: boolean } };

/**
 * The real pipeline the coded-answer suites run on: no routing, the memory cache, and qwen3 masking
 * PII and restoring it in the answer (so a coded answer must be read to be restored).
 */
export const CODED_PII_CONFIG = {
  routing: { enabled: false },
  semantic_cache: { enabled: true, backend_type: 'memory' },
  model_config: { qwen3: { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack'], pii_policy: { allow_by_default: false, action: 'redact', restore: true } } },
};

/** The request lines ext_proc logged for `id`. */
export const requestLines = (h: ObservedExtProc, id: string) => h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === id).map((l) => l.obj);

const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3' };
export const ev = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/**
 * The upstream's event stream echoing the first message of `f` in `deltas` content deltas, a stop
 * event, the usage chunk (`usage`: by default when `f` asks for it) and [DONE].
 */
export function upstreamSse(f: Forwarded, deltas = 3, usage = !!f.stream_options?.include_usage): string {
  const text = f.messages[0]!.content;
  const size = Math.ceil(text.length / deltas);
  const parts = Array.from({ length: deltas }, (_, i) => text.slice(i * size, (i + 1) * size));
  const tail = usage ? [`data: ${JSON.stringify({ ...base, choices: [], usage: USAGE })}\n\n`] : [];
  return [...parts.map((p) => ev({ content: p })), ev({}, 'stop'), ...tail, 'data: [DONE]\n\n'].join('');
}

/** A chat.completion from qwen3 saying `content`, with USAGE. */
export const completion = (content: string) => ({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: USAGE });

/** The content deltas of an SSE text, joined. */
export const contentOf = (sse: string) =>
  sse.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)).choices?.[0]?.delta?.content ?? '').join('');

/** A gzip body of `head`, `mib` MiB of one letter, then `tail`: ~100 KiB per 100 MiB it decodes to. */
export function gzipBomb(head: string, mib: number, tail = ''): Promise<Buffer> {
  return new Promise((resolve) => {
    const z = zlib.createGzip();
    const out: Buffer[] = [];
    z.on('data', (c: Buffer) => out.push(c));
    z.on('end', () => resolve(Buffer.concat(out)));
    z.write(head);
    const letters = Buffer.alloc(1024 * 1024, 'a');
    for (let i = 0; i < mib; i++) z.write(letters);
    z.end(tail);
  });
}

/** `b` cut in `parts` pieces anywhere (mid-event, mid-block of the coding). */
export const cutIn = (b: Buffer, parts: number): Buffer[] =>
  Array.from({ length: parts }, (_, i) => b.subarray(Math.floor((b.length * i) / parts), Math.floor((b.length * (i + 1)) / parts)));

/** `headers` (changed in place and returned) as a HeaderMutation leaves them. */
export function applyMutation(headers: Record<string, string>, m: Msg | null | undefined): Record<string, string> {
  Object.assign(headers, setHeaders(m));
  for (const k of m?.remove_headers ?? []) delete headers[k];
  return headers;
}

/**
 * Envoy in STREAMED mode on the answer: sends `head`, then (unless told NONE, where the rest goes on
 * as it came) each piece, the last with end_of_stream unless `endOfStream` is false (trailers follow).
 * What the client gets: the head as mutated and each chunk as ext_proc's reply has it.
 */
export async function streamAnswer(s: EnvoyStream, head: Record<string, string>, pieces: Buffer[], endOfStream = true): Promise<{ rh: Msg; headers: Record<string, string>; client: Buffer }> {
  const rh: Msg = await s.send(responseHeaders(head));
  const headers = applyMutation({ ...head }, rh.response_headers.response?.header_mutation);
  if (rh.mode_override?.response_body_mode === 'NONE') return { rh, headers, client: Buffer.concat(pieces) };
  let client = Buffer.alloc(0) as Buffer;
  for (const [i, piece] of pieces.entries()) {
    const r: Msg = await s.send({ response_body: { body: piece, end_of_stream: endOfStream && i === pieces.length - 1 } });
    const bm = r.response_body.response?.body_mutation;
    client = Buffer.concat([client, bm?.clear_body ? Buffer.alloc(0) : bm?.body ? Buffer.from(bm.body) : piece]);
  }
  return { rh, headers, client };
}

/**
 * A full-duplex Envoy (FULL_DUPLEX_STREAMED): writes without waiting. `replies(n)` waits (at most `ms`)
 * for n answers and takes what came; `until(done)` waits for the answers that satisfy `done` and
 * throws, naming what came, if they do not.
 */
export function duplexStream(target: string) {
  const method = (loadExtProc().packageDefinition['envoy.service.ext_proc.v3.ExternalProcessor'] as any).Process;
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest<Buffer, Msg>(PROCESS_METHOD_PATH, (b) => b, method.responseDeserialize);
  const got: Msg[] = [];
  let wake: (() => void) | undefined;
  call.on('data', (m: Msg) => {
    got.push(m);
    wake?.();
  });
  call.on('error', () => {});
  const wait = async (done: (got: Msg[]) => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!done(got) && Date.now() < end) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
  };
  return {
    write: (m: Msg) => call.write(method.requestSerialize(m)),
    async replies(n: number, ms = 5_000): Promise<Msg[]> {
      await wait((g) => g.length >= n, ms);
      return got.splice(0, got.length);
    },
    async until(done: (got: Msg[]) => boolean, ms = 20_000): Promise<Msg[]> {
      await wait(done, ms);
      if (!done(got)) throw new Error(`no such answer yet: ${got.map((m) => m.response).join(', ')}`);
      return got.splice(0, got.length);
    },
    close() {
      call.end();
      client.close();
    },
  };
}
