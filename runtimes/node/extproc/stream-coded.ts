// A compressed chat event stream (content-encoding gzip, deflate, br) read in STREAMED chunks. The
// upstream is not asked to compress (accept-encoding is removed), but a proxy between may; the HTTP
// gateway's upstream client decodes such a stream, so its PII restore, usage and cache read it. Here the
// chunks are decoded as they come (one zlib stream over the answer, flushed per chunk so each reply
// carries all the text its chunk completed) and the decoded text goes through the usual reader
// (stream-reply.ts). Two ways out:
// - plain: the reader rewrites (PII restore, the usage asked for on the client's behalf taken out), so
//   the client gets the decoded text, rewritten; the head loses its content-encoding (readHead). Plain
//   text is what any client accepts, which a re-encoded stream is not (the client's accept-encoding was
//   not what the proxy answered to).
// - as it came: nothing is rewritten (the cache store only records, the usage is the client's own): the
//   coded chunks go on untouched and a decoded copy is read (the meter, the clean-end check, the cache).
//   No error event can be added to coded bytes (the reader is built with mayAdd false).
// A stream that fails to decode, or one chunk that decodes past what one reply may carry, ends there:
// judged as cut (plain: the error event follows the text so far and the rest is dropped; as it came:
// the rest goes on unread).
import type { Logger } from '../../../src/observability/types.ts';
import { decoder } from '../upstream-client.ts';
import { ChunkDecoder } from './chunk-decoder.ts';
import type { StreamReply } from './stream-reply.ts';
import { continueResponseBody, type HeaderMutation, type ProcessingResponse } from './wire.ts';

const EMPTY = new Uint8Array(0);

/** What the exchange asks of a stream it reads: StreamReply, this one over a compressed stream, or another coded reader (coded-partial.ts, coded-json-chunks.ts). */
export interface StreamReader {
  /** The bytes to send in place of this chunk (empty: cleared), or undefined: it goes on as it came. */
  chunk(part: Uint8Array | undefined, last: boolean): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  endAtTrailers(warn: (bytes: number) => void): void | Promise<void>;
  /** After a chunk: headers to change with its answer, where Envoy still holds the head (coded-partial.ts). */
  head?: HeaderMutation;
}

/** The answer to one body chunk of a read stream. */
export async function readerReply(reader: StreamReader, part: Uint8Array | undefined, last: boolean): Promise<ProcessingResponse> {
  const out = await reader.chunk(part, last);
  const head = reader.head ? { header_mutation: reader.head } : {};
  return continueResponseBody(out === undefined ? head : { ...head, body_mutation: out.byteLength ? { body: out } : { clear_body: true } });
}

/** Whether a stream under this content-encoding can be read here (the codings the gateway decodes). */
export function decodable(coding: string | undefined): boolean {
  return decoder(coding) !== undefined;
}

export class CodedStreamReply implements StreamReader {
  private readonly decoder: ChunkDecoder;
  private ended = false;

  /**
   * `reply` reads the decoded text; `plain`: its output (or the decoded text where it leaves a chunk as
   * it came) is what the client gets, else the coded chunks go on. `max`: the most text one chunk may
   * decode to (what one gRPC reply carries).
   */
  constructor(
    private readonly reply: StreamReply,
    coding: string,
    private readonly plain: boolean,
    max: number,
    private readonly logger: Logger,
    private readonly requestId: string,
  ) {
    this.decoder = new ChunkDecoder(coding, max);
  }

  async chunk(part: Uint8Array | undefined, last: boolean): Promise<Uint8Array | undefined> {
    // Decoding stopped earlier: a plain client got its end (the rest would be coded bytes in plain text).
    if (this.ended) return this.plain ? EMPTY : undefined;
    const text = await this.decoder.push(part, last);
    const failed = this.decoder.failed;
    if (failed) {
      this.ended = true;
      this.logger.warn({ request_id: this.requestId, reason: failed }, 'ext_proc: a compressed answer stream stopped decoding; ended there as cut');
    }
    const out = this.reply.chunk(text, last || failed !== undefined);
    if (!this.plain) return undefined;
    return out ?? text;
  }

  async endAtTrailers(warn: (bytes: number) => void): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const text = await this.decoder.push(undefined, true);
    // The text the coded stream's end completed: read, though none of it can follow the trailers.
    const lost = text.byteLength ? (this.reply.chunk(text, false)?.byteLength ?? text.byteLength) : 0;
    if (this.plain && lost) warn(lost);
    this.reply.endAtTrailers(this.plain ? warn : () => {});
  }
}
