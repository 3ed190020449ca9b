// One upstream exchange on undici's dispatch handler API (onConnect/onHeaders/onData/onComplete/
// onError): the answer's bytes go straight to their consumer, the whole text of a JSON answer or a
// reader for a streamed one. undici.request builds per answer an AsyncResource request handler and a
// node Readable that the gateway then only drained into its own reader; without them the client costs
// about 6-10 us less CPU per request (bench/upstream-clients.ts: 'gateway UpstreamClient' against
// 'undici request'). Aborts, timeouts and errors keep undici.request's behaviour: an abort before the
// connection is held until undici hands over its abort function, an abort after it ends the exchange
// with undici's error, which fails the pending head or the body's read.
import { Readable } from 'node:stream';
import { errors as undiciErrors, util as undiciUtil } from 'undici';
import { UpstreamTooLargeError, type BodyReader } from '../../src/upstream/types.ts';
import { ChunkQueueReader, QUEUE_LIMIT } from './chunk-queue-reader.ts';

export interface ExchangeHead {
  status: number;
  /** undici's parse: lower-case names, latin1 values, repeated names as arrays. */
  headers: Record<string, string | string[] | undefined>;
}

/** Where the answer's bytes go once someone reads them; data() returning false pauses the upstream. */
interface Consumer {
  data(chunk: Buffer): boolean;
  end(): void;
  fail(err: Error): void;
}

const OPEN = 0;
const COMPLETE = 1;
const FAILED = 2;

export class UpstreamExchange {
  readonly head: Promise<ExchangeHead>;
  /** Called once when the answer ended, failed or was aborted (the client's abort listener goes). */
  onSettle: (() => void) | undefined;
  /** undici handed the request to a socket (its head is written right after onConnect). */
  written = false;
  private resolveHead!: (h: ExchangeHead) => void;
  private rejectHead!: (err: Error) => void;
  private headed = false;
  private state = OPEN;
  private error: Error | undefined;
  private abortFn: ((err: Error) => void) | undefined;
  private abortReason: Error | undefined;
  private resumeFn: (() => void) | undefined;
  private paused = false;
  private pending: Buffer[] | undefined;
  private consumer: Consumer | undefined;

  constructor() {
    this.head = new Promise<ExchangeHead>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
  }

  /** Ends the exchange (client gone, timeout, answer dropped); undici then calls onError with `reason`. */
  abort(reason: Error = new undiciErrors.RequestAbortedError()): void {
    if (this.state !== OPEN) return;
    if (this.abortFn) return this.abortFn(reason);
    // Not connected yet: the request waits in the pool's queue (every connection busy) or for its
    // connect. undici calls onConnect only when a socket takes it, which could be a whole answer of
    // another request later: the send fails now (timeout_ms gives its 504, a client that left is let
    // go), and onConnect drops the request before a byte of it is written.
    this.abortReason = reason;
    this.onError(reason);
  }

  /** The whole body as UTF-8 text; past maxBytes the answer is dropped (and its connection with it). */
  text(maxBytes: number, onData?: () => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      let done = false;
      this.attach({
        data: (c) => {
          if (done) return true;
          size += c.byteLength;
          if (size > maxBytes) {
            done = true;
            parts.length = 0;
            reject(new UpstreamTooLargeError(maxBytes));
            this.abort();
            return true;
          }
          parts.push(c);
          onData?.();
          return true;
        },
        end: () => {
          if (done) return;
          done = true;
          try {
            resolve(Buffer.concat(parts).toString('utf8'));
          } catch (err) {
            // Never thrown out of undici's callback (that is an uncaught exception).
            reject(err);
          } finally {
            // The chunks are in the string now: not kept for as long as this exchange is reachable
            // (the client's signal holds it until the request is over, a slow client's write included).
            parts.length = 0;
          }
        },
        fail: (err) => {
          if (done) return;
          done = true;
          reject(err);
        },
      });
    });
  }

  /** A reader over the body for the streaming path: up to 16 chunks are queued before the upstream pauses. */
  reader(): BodyReader {
    const r = new ExchangeReader(this);
    this.attach(r);
    return r;
  }

  /** The body as a node Readable (for a decoder); destroying it before its end aborts the exchange. */
  readable(): Readable {
    const ex = this;
    const out = new Readable({
      read() {
        ex.resume();
      },
      destroy(err, cb) {
        ex.abort();
        cb(err);
      },
    });
    this.attach({ data: (c) => out.push(c), end: () => out.push(null), fail: (err) => out.destroy(err) });
    return out;
  }

  /** @internal the consumer has room again */
  resume(): void {
    if (!this.paused || this.state !== OPEN) return;
    this.paused = false;
    this.resumeFn?.();
  }

  private attach(c: Consumer): void {
    this.consumer = c;
    const held = this.pending;
    this.pending = undefined;
    let more = true;
    if (held) for (const chunk of held) more = c.data(chunk);
    if (this.state === COMPLETE) c.end();
    else if (this.state === FAILED) c.fail(this.error!);
    else if (more) this.resume();
  }

  private settle(): void {
    const s = this.onSettle;
    this.onSettle = undefined;
    s?.();
  }

  // undici's handler interface (the one its own request API implements).

  onConnect(abort: (err: Error) => void): void {
    if (this.abortReason) return abort(this.abortReason);
    if (this.state !== OPEN) return abort(this.error ?? new undiciErrors.RequestAbortedError());
    this.written = true;
    this.abortFn = abort;
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    // 1xx interim answers (100 Continue): the final one follows.
    if (status < 200) return true;
    this.resumeFn = resume;
    this.headed = true;
    this.resolveHead({ status, headers: undiciUtil.parseHeaders(raw) as ExchangeHead['headers'] });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.state !== OPEN) return true;
    const more = this.consumer ? this.consumer.data(chunk) : (this.pending ??= []).push(chunk) < QUEUE_LIMIT;
    if (!more) this.paused = true;
    return more;
  }

  onComplete(): void {
    if (this.state !== OPEN) return;
    this.state = COMPLETE;
    this.consumer?.end();
    // What the consumer holds (a reader's queue, a collector's parts) is its own from here on.
    this.consumer = undefined;
    this.settle();
  }

  onError(err: Error): void {
    if (this.state !== OPEN) return;
    this.state = FAILED;
    this.error = err;
    this.pending = undefined;
    if (!this.headed) this.rejectHead(err);
    else this.consumer?.fail(err);
    this.consumer = undefined;
    this.settle();
  }
}

/** The streaming path's reader: the exchange's chunks, resumed and aborted through the exchange. */
class ExchangeReader extends ChunkQueueReader implements Consumer {
  constructor(private readonly ex: UpstreamExchange) {
    super();
  }

  protected resumeSource(): void {
    this.ex.resume();
  }

  protected abortSource(): void {
    this.ex.abort();
  }
}
