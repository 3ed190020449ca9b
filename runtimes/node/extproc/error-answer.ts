// An upstream's error answer (status >= 400) as the HTTP gateway hands it to its client: OpenAI-shaped
// whatever the engine or a proxy wrote (src/upstream/error-text.ts upstreamErrorBody: vLLM's error kept,
// FastAPI's {"detail": ...} and a proxy's HTML page made into {error: {message, type, param, code}}),
// as application/json. Behind Envoy the client got the upstream's bytes as they were, so the same
// failure read differently on each door (an SDK found no error.message in {"detail": ...}).
// Read where Envoy sends the body: whole (BUFFERED, asked for with allow_mode_override), or in STREAMED
// (or full duplex) chunks, each held (clear_body) and the rewritten answer sent with the last; the head
// is changed at once (content-type, no content-length or content-encoding). In BUFFERED_PARTIAL Envoy
// holds the head until the body's one message and applies a header mutation answered to it: a whole
// body (end_of_stream) is rewritten there with its head; a part (the rest goes by unseen, past Envoy's
// buffer) goes on as it came, head and all, since the rest would follow the rewritten part. A compressed
// body is decoded as the gateway's upstream client decodes it (body-decode.ts) and sent plain. Not
// read: a body Envoy does not send (NONE, no override honoured: the head goes on as it came), or one
// that ends in trailers in STREAMED (no answer could carry it).
import { MAX_ERROR_TEXT_BYTES, upstreamErrorBody } from '../../../src/upstream/error-text.ts';
import { decodedErrorText } from './body-decode.ts';
import { continueResponseBody, headerMutation, setHeader, type ProcessingResponse } from './wire.ts';

const encoder = new TextEncoder();

export interface ErrorHead {
  status: number;
  headers: Record<string, string>;
  endOfStream: boolean;
  /** Envoy's response_body_mode, when it says it. */
  mode?: string;
  /** Envoy honours mode_override (exchange.ts overrides()). */
  overrides: boolean;
}

/**
 * At an error answer's head: the reader of its body, with the head's answer `res` changed to match
 * (content-type application/json, no content-length: the body is rewritten; BUFFERED asked for where
 * Envoy honours it; in BUFFERED_PARTIAL unchanged, the body's answer changes it), or undefined where
 * the body is not read.
 */
export function errorAnswerAt(h: ErrorHead, res: ProcessingResponse): ErrorAnswer | undefined {
  if (h.status < 400 || h.endOfStream) return undefined;
  const mode = h.overrides ? 'BUFFERED' : h.mode;
  const streamed = mode === 'STREAMED' || mode === 'FULL_DUPLEX_STREAMED';
  const partial = mode === 'BUFFERED_PARTIAL';
  if (mode !== 'BUFFERED' && !streamed && !partial) return undefined;
  if (mode === 'STREAMED' && 'trailer' in h.headers) return undefined;
  const common = res.response_headers?.response;
  if (!common) return undefined;
  const coding = h.headers['content-encoding'];
  // Any coding goes: the body sent is plain JSON (one the gateway's client cannot decode is read as bytes).
  const coded = coding !== undefined && coding.trim().toLowerCase() !== 'identity';
  if (h.overrides) res.mode_override = { response_body_mode: 'BUFFERED' };
  else delete res.mode_override;
  if (!partial) {
    const m = (common.header_mutation ??= { set_headers: [], remove_headers: [] });
    m.set_headers = [...(m.set_headers ?? []).filter((o) => o.header?.key !== 'content-type'), setHeader('content-type', 'application/json')];
    m.remove_headers = [...new Set([...(m.remove_headers ?? []), 'content-length', ...(coded ? ['content-encoding'] : [])])];
  }
  // BUFFERED sends the body in one message, without end_of_stream when trailers follow.
  return new ErrorAnswer(h.status, mode === 'BUFFERED', partial, coded ? coding : undefined);
}

export class ErrorAnswer {
  private parts: Uint8Array[] = [];
  private bytes = 0;
  private cut = false;
  private passed = false;

  /** `whole`: one message is all of it; `partial`: BUFFERED_PARTIAL; `coding`: the body's content-encoding. */
  constructor(
    private readonly status: number,
    private readonly whole: boolean,
    private readonly partial = false,
    private readonly coding?: string,
  ) {}

  /** The answer to one body message: held (clear_body), then the rewritten body with the last. */
  async reply(part: Uint8Array | undefined, endOfStream: boolean): Promise<ProcessingResponse> {
    if (this.partial) {
      // One message: the whole body, or its first part with the rest going by unseen (as it came, then).
      if (this.passed || !endOfStream) {
        this.passed = true;
        return continueResponseBody();
      }
      const body = await this.chunk(part, true);
      const set = { 'content-type': 'application/json', 'content-length': String(body!.byteLength) };
      return continueResponseBody({ header_mutation: headerMutation(set, this.coding ? ['content-encoding'] : []), body_mutation: { body: body! } });
    }
    const out = await this.chunk(part, endOfStream || this.whole);
    return continueResponseBody({ body_mutation: out ? { body: out } : { clear_body: true } });
  }

  /** One body message: undefined while it is held (clear_body), the client's whole error body at its end. */
  async chunk(part: Uint8Array | undefined, end: boolean): Promise<Uint8Array | undefined> {
    if (part?.byteLength && !this.cut) {
      // As the gateway reads an error: its first MAX_ERROR_TEXT_BYTES, the rest dropped (error-text.ts).
      // (A compressed body: as many bytes of it, decoded to at most as many.)
      const room = MAX_ERROR_TEXT_BYTES - this.bytes;
      if (part.byteLength > room) this.cut = true;
      const kept = part.byteLength > room ? part.subarray(0, room) : part;
      this.parts.push(kept);
      this.bytes += kept.byteLength;
    }
    if (!end) return undefined;
    const all = new Uint8Array(this.bytes);
    let at = 0;
    for (const p of this.parts) {
      all.set(p, at);
      at += p.byteLength;
    }
    const text = await decodedErrorText(all, this.coding, MAX_ERROR_TEXT_BYTES, this.cut);
    return encoder.encode(upstreamErrorBody(this.status, text));
  }
}
