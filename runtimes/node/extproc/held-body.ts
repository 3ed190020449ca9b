// A body as Envoy hands it to ext_proc, which must be read whole before any of it goes on: a request
// body (the guards and routing read all of it) or a JSON answer (the taps: PII restore, the cache
// store, the usage block). BUFFERED sends one message, with end_of_stream,
// or without it when the message ends in trailers (Envoy's onTrailers sends the buffer then). STREAMED
// sends one message per chunk, each going on upstream as soon as it is answered: so each is answered
// with clear_body (held here) and the whole body, as judged, goes on with the last answer.
// BUFFERED_PARTIAL past Envoy's buffer sends one part and lets the rest by unseen: it cannot be read.
// A STREAMED body may end in trailers, with no end_of_stream on its last chunk, and a trailers answer
// carries no body (Envoy sends no trailers to ext_proc at all with request_trailer_mode SKIP): so a
// held body is judged on the chunk that completes its JSON document (json-end.ts), that answer
// carrying it whole. Only whitespace may follow a document (extra() says when more did).
import { JsonEnd } from './json-end.ts';

/** What to do with this message. */
export type BodyStep =
  /** Judge this body now (the whole of it). */
  | { kind: 'whole'; body: Uint8Array }
  /** Answer clear_body: the chunk goes on later, with the whole body. */
  | { kind: 'hold' }
  /** Only a part will ever reach ext_proc (BUFFERED_PARTIAL past its limit). */
  | { kind: 'partial'; body: Uint8Array };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class HeldBody {
  private parts: Uint8Array[] = [];
  private size = 0;
  private readonly doc = new JsonEnd();
  /** Judged on its document's end, before Envoy's end_of_stream. */
  private early = false;
  /** Earlier chunks were answered with clear_body: the last answer must carry the whole body. */
  held = false;

  /** `maxBytes`: past this the body is judged at once (the pipeline answers it 413), not held further. */
  constructor(private readonly maxBytes: number) {}

  /** Bytes received so far. */
  get bytes(): number {
    return this.size;
  }

  /** More than `maxBytes` came: what is judged may be only part of the body. */
  get over(): boolean {
    return this.size > this.maxBytes;
  }

  /**
   * One body message. `mode` is Envoy's request_body_mode when it says it (protocol_config,
   * Envoy >= 1.34); without it a message without end_of_stream that is a JSON document by itself is
   * BUFFERED's whole body before trailers (a STREAMED first chunk never is one: the rest would make the
   * body invalid), and any other is taken for a STREAMED chunk.
   */
  push(part: Uint8Array | undefined, end: boolean, mode: string | undefined): BodyStep {
    if (part && part.length > 0) {
      this.parts.push(part);
      this.size += part.length;
      this.doc.feed(part);
    }
    if (end || mode === 'BUFFERED' || this.size > this.maxBytes) return { kind: 'whole', body: this.body() };
    if (mode === 'BUFFERED_PARTIAL') return { kind: 'partial', body: this.body() };
    if (mode === undefined && !this.held && isJsonDocument(this.body())) {
      this.early = true; // (BUFFERED's body before trailers sends no more; a STREAMED chunk after it is not this body)
      return { kind: 'whole', body: this.body() };
    }
    // (Not in full duplex: there the trailers' turn can still carry the body, body-modes.ts.)
    if ((mode === 'STREAMED' || mode === undefined) && this.doc.complete) {
      this.early = true;
      return { kind: 'whole', body: this.body() };
    }
    this.held = true;
    return { kind: 'hold' };
  }

  /** A chunk after a body judged on its document's end holds more than whitespace: the body was not that document. */
  extra(part: Uint8Array | undefined): boolean {
    return this.early && !!part && !JsonEnd.blank(part);
  }

  /** Every byte received so far, in one array. */
  body(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0]!;
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      all.set(p, at);
      at += p.length;
    }
    this.parts = [all];
    return all;
  }
}

function isJsonDocument(bytes: Uint8Array): boolean {
  try {
    JSON.parse(utf8.decode(bytes));
    return true;
  } catch {
    return false;
  }
}
