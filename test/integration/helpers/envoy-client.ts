// Plays Envoy's side of ext_proc over a real gRPC connection: one bidi stream per HTTP request,
// one message at a time, waiting for the answer before sending the next (as Envoy does in BUFFERED mode).
import * as grpc from '@grpc/grpc-js';
import { loadExtProc, PROCESS_METHOD_PATH } from '../../../runtimes/node/extproc/proto.ts';

export type Msg = Record<string, any>;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Envoy's header encoding: lower-case keys, values in raw_value bytes. */
export function headerMap(h: Record<string, string>): Msg {
  return { headers: Object.entries(h).map(([key, v]) => ({ key, raw_value: Buffer.from(enc.encode(v)) })) };
}

export function requestHeaders(h: Record<string, string>, endOfStream = false): Msg {
  return { request_headers: { headers: headerMap(h), end_of_stream: endOfStream } };
}

/** The body in `n` pieces cut anywhere (mid-token, mid-character). */
export function pieces(body: string, n: number): Buffer[] {
  const bytes = Buffer.from(body);
  const size = Math.ceil(bytes.length / n);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

export function requestBody(body: string | Uint8Array, endOfStream = true): Msg {
  return { request_body: { body: Buffer.from(typeof body === 'string' ? enc.encode(body) : body), end_of_stream: endOfStream } };
}

export function responseHeaders(h: Record<string, string>, endOfStream = false): Msg {
  return { response_headers: { headers: headerMap(h), end_of_stream: endOfStream } };
}

export function responseBody(body: string, endOfStream = true): Msg {
  return { response_body: { body: Buffer.from(enc.encode(body)), end_of_stream: endOfStream } };
}

/** The set_headers of a HeaderMutation as a plain map (raw_value decoded). */
export function setHeaders(mutation: Msg | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of mutation?.set_headers ?? []) out[o.header.key] = Buffer.from(o.header.raw_value ?? []).toString('utf8') || o.header.value;
  return out;
}

export interface EnvoyStream {
  /** Sends one message (object or pre-encoded bytes) and resolves with the server's answer. */
  send(msg: Msg | Buffer): Promise<Msg>;
  /** Resolves when the server closes the stream (status OK or an error status). */
  closed: Promise<grpc.StatusObject>;
  end(): void;
  cancel(): void;
}

export class EnvoyClient {
  private readonly raw: grpc.Client;
  private readonly serialize: (m: Msg) => Buffer;
  private readonly deserialize: (b: Buffer) => Msg;

  constructor(target: string) {
    const def = loadExtProc();
    const method = (def.packageDefinition['envoy.service.ext_proc.v3.ExternalProcessor'] as any).Process;
    this.serialize = method.requestSerialize;
    this.deserialize = method.responseDeserialize;
    this.raw = new grpc.Client(target, grpc.credentials.createInsecure());
  }

  /** Encodes a ProcessingRequest exactly as the proto says, for tests that splice in unknown fields. */
  encode(msg: Msg): Buffer {
    return this.serialize(msg);
  }

  open(): EnvoyStream {
    // Bytes in, decoded objects out: lets a test send hand-built frames with unknown fields.
    const call = this.raw.makeBidiStreamRequest<Buffer, Msg>(PROCESS_METHOD_PATH, (b) => b, this.deserialize);
    const waiting: Array<{ resolve: (m: Msg) => void; reject: (e: Error) => void }> = [];
    let status: grpc.StatusObject | undefined;
    const closed = new Promise<grpc.StatusObject>((resolve) => {
      call.on('status', (s: grpc.StatusObject) => {
        status = s;
        resolve(s);
        for (const w of waiting.splice(0)) w.reject(new Error(`stream closed: ${s.code} ${s.details}`));
      });
    });
    call.on('data', (m: Msg) => waiting.shift()?.resolve(m));
    call.on('error', () => {});
    return {
      send: (msg) =>
        new Promise<Msg>((resolve, reject) => {
          if (status) return reject(new Error(`stream closed: ${status.code}`));
          waiting.push({ resolve, reject });
          call.write(Buffer.isBuffer(msg) ? msg : this.serialize(msg));
        }),
      closed,
      end: () => call.end(),
      cancel: () => call.cancel(),
    };
  }

  close(): void {
    this.raw.close();
  }
}

/** Headers a client reads from semroute's answer (transport framing aside), to compare the two doors. */
export function ownHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (k === 'x-request-id' || k === 'content-type' || k.startsWith('x-vsr-')) out[k] = v;
  return out;
}

/** The bytes the client gets for a response body chunk `sent`, from ext_proc's reply to it: the
 *  mutation's body, nothing where it clears the body, else the chunk as Envoy sent it. */
export function clientBytes(sent: string, reply: Msg): string {
  const m = reply.response_body?.response?.body_mutation;
  if (!m) return sent;
  if (m.clear_body) return '';
  return m.body ? dec.decode(m.body) : sent;
}
