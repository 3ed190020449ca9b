// A compressed JSON chat answer (content-encoding gzip, deflate, br: a proxy's) that comes in STREAMED
// or FULL_DUPLEX_STREAMED chunks, its head gone on before the body is read. The gateway's upstream
// client decodes such an answer, so its PII restore, usage and cache read it; behind Envoy it went on
// unread (the client got <EMAIL_ADDRESS_1>, no tokens counted, nothing stored). Here the chunks are
// decoded as they come (chunk-decoder.ts) and the decoded text is judged whole, as a plain answer is
// (json-answer.ts). Two ways out, chosen at the head as for a compressed stream (stream-coded.ts):
// - plain: a json tap may rewrite it (the PII restore), so the head loses content-encoding (and its
//   content-length); the decoded text is held (clear_body) and goes on, judged, with the last chunk.
// - as it came: nothing rewrites it (the meter, the cache store only read): the coded chunks go on
//   untouched and a decoded copy is read.
// Bounds, as the plain path's (heldAnswerBound): at most half of one gRPC message of text is held or
// read. Past it the answer goes on unread (outgrown): plain, the text held so far goes with that chunk
// and each later chunk is sent decoded, one reply's worth at most, up to the gateway's MAX_ANSWER_BYTES in
// all; a chunk past its cap (a bomb) or bytes that do not decode end the plain answer there (the rest
// is dropped: coded bytes cannot follow plain text), while one going on as it came just stops being read.
import type { Logger, Metrics } from '../../../src/observability/types.ts';
import type { DoneAnswer } from '../../../src/pipeline/context.ts';
import { MAX_ANSWER_BYTES } from '../upstream-client.ts';
import type { ChatOutcome } from './port.ts';
import { ChunkDecoder } from './chunk-decoder.ts';
import { JsonEnd } from './json-end.ts';
import { heldAnswerBound, judgeJsonAnswer, outgrown, REPLY_ROOM } from './json-answer.ts';
import { decodable, type StreamReader } from './stream-coded.ts';
import { isFullDuplex } from './body-modes.ts';

type Forward = Extract<ChatOutcome, { kind: 'forward' }>;

const EMPTY = new Uint8Array(0);

export interface CodedJsonOptions {
  logger: Logger;
  metrics: Metrics;
  maxMessageBytes: number;
  runDoneTaps(answer: DoneAnswer): Promise<void>;
}

/** The reader for a JSON answer under `coding` in Envoy's body `mode` (its head gone on), or undefined where another path reads it. */
export function codedJsonReader(forwarded: Forward, coding: string | undefined, mode: string | undefined, status: number, opts: CodedJsonOptions): CodedJsonReader | undefined {
  if (!coding || coding.toLowerCase() === 'identity' || !decodable(coding)) return undefined;
  if (mode !== 'STREAMED' && !isFullDuplex(mode)) return undefined;
  return new CodedJsonReader(forwarded, coding, mode, status, forwarded.taps.some((t) => t.json), opts);
}

export class CodedJsonReader implements StreamReader {
  private readonly decoder: ChunkDecoder;
  private readonly doc = new JsonEnd();
  private readonly bound: number;
  private readonly room: number;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private sent = 0; // decoded bytes sent past the bound (plain)
  private phase: 'reading' | 'unread' | 'ended' = 'reading';
  private metered = false;

  /** `plain`: the answer goes on decoded (its head lost content-encoding), else as it came. */
  constructor(
    private readonly forwarded: Forward,
    coding: string,
    private readonly mode: string | undefined,
    private readonly status: number,
    readonly plain: boolean,
    private readonly opts: CodedJsonOptions,
  ) {
    this.bound = heldAnswerBound(opts.maxMessageBytes);
    this.room = opts.maxMessageBytes - REPLY_ROOM;
    this.decoder = new ChunkDecoder(coding, this.room);
  }

  async chunk(part: Uint8Array | undefined, last: boolean): Promise<Uint8Array | undefined> {
    const out = await this.read(part, last);
    if (last && !this.metered) this.end();
    return out;
  }

  private async read(part: Uint8Array | undefined, last: boolean): Promise<Uint8Array | undefined> {
    const asItCame = this.plain ? EMPTY : undefined;
    if (this.phase === 'ended') return asItCame;
    if (this.phase === 'unread') return this.plain ? this.passing(part, last) : undefined;
    // Plain, all held text must fit the reply that lets it go; as it came, only the bound is read.
    const text = await this.decoder.push(part, last, (this.plain ? this.room : this.bound) - this.heldBytes);
    // (What a chunk past its cap decoded to is not sent: a bomb's text reaches no client.)
    if (this.decoder.failed === 'broken' || (this.decoder.failed && this.plain)) return this.stopped(this.decoder.failed);
    if (!this.decoder.failed) this.hold(text);
    if (this.decoder.failed || this.heldBytes > this.bound) {
      this.phase = 'unread';
      if (!this.plain) this.decoder.close(); // (nothing more is read)
      const r = outgrown(this.forwarded, this.whole(), this.plain, this.opts);
      this.held = [];
      return this.plain ? (r.response_body?.response?.body_mutation?.body ?? EMPTY) : undefined;
    }
    // STREAMED: judged on the chunk that completes the document, as a plain answer (held-body.ts): one
    // that ends in trailers has no later answer to carry it. Later chunks (the coding's end) are dropped.
    if (!last && !(this.mode === 'STREAMED' && this.doc.complete)) return asItCame;
    return this.judge();
  }

  private hold(text: Uint8Array): void {
    if (!text.byteLength) return;
    this.held.push(text);
    this.heldBytes += text.byteLength;
    this.doc.feed(text);
  }

  private whole(): Uint8Array {
    return this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
  }

  /** The decoded text judged whole: plain, what goes on in place of the answer. */
  private async judge(): Promise<Uint8Array | undefined> {
    this.phase = 'ended';
    this.metered = true;
    this.decoder.close();
    const body = this.whole();
    this.held = [];
    const r = await judgeJsonAnswer({ forwarded: this.forwarded, body, held: true, assembling: false, guessed: false, status: this.status, runDoneTaps: this.opts.runDoneTaps, maxMessageBytes: this.opts.maxMessageBytes, logger: this.opts.logger });
    return this.plain ? (r.response_body?.response?.body_mutation?.body ?? body) : undefined;
  }

  /** Past the bound, plain: each chunk's text goes on, unread, up to MAX_ANSWER_BYTES in all. */
  private async passing(part: Uint8Array | undefined, last: boolean): Promise<Uint8Array> {
    const text = await this.decoder.push(part, last, Math.min(this.room, MAX_ANSWER_BYTES - this.sent));
    this.sent += text.byteLength;
    if (!this.decoder.failed) return text;
    this.stopped(this.decoder.failed);
    return EMPTY;
  }

  /**
   * Decoding stopped (bytes that do not decode, a chunk past its cap): ended here, unread. Plain, the
   * text held is not sent: unjudged, it is unrestored (placeholders), and no coded byte may follow.
   */
  private stopped(reason: 'broken' | 'too_large'): Uint8Array | undefined {
    this.phase = this.plain ? 'ended' : 'unread';
    this.held = [];
    this.decoder.close();
    this.opts.logger.warn({ request_id: this.forwarded.requestId, reason }, 'ext_proc: a compressed JSON answer stopped decoding; ended there, unread (no PII restore, no cache store, no usage)');
    if (reason === 'too_large') this.opts.metrics.inc('llm_stream_rewrite_stopped_total', { reason: 'answer_too_large' });
    return this.plain ? EMPTY : undefined;
  }

  private end(): void {
    this.metered = true;
    this.forwarded.meter?.end();
  }

  /** The answer ended in trailers: judged as at its end; plain, the text still held cannot follow them. */
  async endAtTrailers(warn: (bytes: number) => void): Promise<void> {
    const lost = await this.chunk(undefined, true);
    if (this.plain && lost?.byteLength) warn(lost.byteLength);
  }
}
