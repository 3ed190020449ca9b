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
import type { StreamReply } from './stream-reply.ts';

const EMPTY = new Uint8Array(0);

/** What the exchange asks of a stream it reads: StreamReply, or this one over a compressed stream. */
export interface StreamReader {
  chunk(part: Uint8Array | undefined, last: boolean): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  endAtTrailers(warn: (bytes: number) => void): void | Promise<void>;
}

/** Whether a stream under this content-encoding can be read here (the codings the gateway decodes). */
export function decodable(coding: string | undefined): boolean {
  return decoder(coding) !== undefined;
}

/** An incremental decoder whose push resolves with what the bytes so far decode to. */
class ChunkDecoder {
  private readonly z: NonNullable<ReturnType<typeof decoder>>;
  private out: Buffer[] = [];
  private n = 0;
  /** Stopped decoding: the bytes are no stream in this coding, or a chunk outgrew `max`. */
  failed: 'broken' | 'too_large' | undefined;

  constructor(coding: string, private readonly max: number) {
    this.z = decoder(coding)!;
    this.z.on('data', (c: Buffer) => {
      this.n += c.byteLength;
      if (this.n > this.max) this.stop('too_large');
      else this.out.push(c);
    });
    this.z.on('error', () => this.stop('broken'));
  }

  private stop(why: 'broken' | 'too_large'): void {
    this.failed ??= why;
    this.z.destroy();
  }

  /** The text `bytes` completed (`end`: the coded stream's end), or its start where decoding stopped. */
  push(bytes: Uint8Array | undefined, end: boolean): Promise<Uint8Array> {
    return new Promise((resolve) => {
      const z = this.z;
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        for (const e of ['error', 'close', 'end'] as const) z.off(e, done);
        const all = Buffer.concat(this.out);
        [this.out, this.n] = [[], 0];
        resolve(all);
      };
      if (this.failed) return done();
      // Whichever comes first: the flush (or the end) with all the text so far, or decoding stopping.
      z.once('error', done).once('close', done);
      if (end) z.once('end', done).end(bytes ?? EMPTY);
      else {
        z.write(bytes ?? EMPTY);
        z.flush(() => done());
      }
    });
  }
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
