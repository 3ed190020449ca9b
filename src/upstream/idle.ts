// upstream.idle_timeout_ms: timeout_ms covers only the wait for the response headers, so a body that
// stalls afterwards would hold the client for as long as the upstream stays silent. Here, in the core,
// so both runtimes get it: a read of the upstream body that waits longer than the limit aborts the
// upstream request and fails with UpstreamIdleError. Only time spent waiting on the upstream counts:
// a slow client that leaves the body unread (backpressure) is not the upstream's silence.
import { readerStream, type BodyReader, type CancelSignal, type UpstreamResponse } from './types.ts';

export class UpstreamIdleError extends Error {
  constructor(readonly ms: number) {
    super(`no upstream byte for ${ms} ms`);
    this.name = 'UpstreamIdleError';
  }
}

export interface IdleWatch {
  /** For UpstreamRequest.signal: the client's signal (the idle abort ends the body read, not the request). */
  readonly signal: CancelSignal | undefined;
  readonly fired: boolean;
  /** The body under the watch; the watch ends with it (end, error or cancel). */
  body(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array>;
  /** The same as a reader, without a ReadableStream of its own (the forwarder's streaming path). */
  reader(reader: BodyReader): BodyReader;
  /** The whole body as text under the watch (the runtime's text() fast path where it has one). */
  text(res: UpstreamResponse): Promise<string>;
  /** Drops the timer (idempotent). */
  dispose(): void;
}

// No AbortController of its own: the watch only times reads of a body whose headers have arrived, so
// the request itself needs only the client's signal, and a stalled read is ended where it happens
// (a web-stream body is cancelled, a text() read is aborted). An AbortSignal costs about 5 us to create
// on Node 20, per request.
export function idleWatch(ms: number, clientSignal?: CancelSignal): IdleWatch {
  if (!ms) return new NoIdleWatch(clientSignal);
  return new TimedIdleWatch(ms, clientSignal);
}

// Classes, not object literals: a literal with a getter (`fired`), built per request, is a slow object.
class NoIdleWatch implements IdleWatch {
  readonly fired = false;
  constructor(readonly signal: CancelSignal | undefined) {}
  body(b: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    return b;
  }
  reader(r: BodyReader): BodyReader {
    return r;
  }
  text(res: UpstreamResponse): Promise<string> {
    return res.text ? res.text() : new Response(res.body).text();
  }
  dispose(): void {}
}

class TimedIdleWatch implements IdleWatch {
  fired = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  // Set while a read of the upstream is pending: 0 when none is. One timer per period, not per chunk.
  private waitingSince = 0;
  private onFire: ((err: UpstreamIdleError) => void) | undefined;

  constructor(
    private readonly ms: number,
    readonly signal: CancelSignal | undefined,
  ) {}

  private readonly check = () => {
    this.timer = undefined;
    if (this.fired || this.signal?.aborted) return;
    const left = this.waitingSince ? this.waitingSince + this.ms - Date.now() : this.ms;
    if (this.waitingSince && left <= 0) {
      this.fired = true;
      // The pending read learns of the idle first, then ends the upstream answer.
      this.onFire?.(new UpstreamIdleError(this.ms));
      return;
    }
    this.timer = setTimeout(this.check, left);
  };

  /** A read of the upstream starts (or a chunk arrived and the next wait starts). */
  private readonly waiting = () => {
    this.waitingSince = Date.now();
    this.timer ??= setTimeout(this.check, this.ms);
  };

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.waitingSince = 0;
    this.onFire = undefined;
  }

  body(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    return readerStream(this.reader(body.getReader()));
  }

  reader(reader: BodyReader): BodyReader {
    return new IdleReader(this, reader);
  }

  /** For IdleReader: the pending read learns of the idle through `fire` (undefined: none is pending). */
  arm(fire: ((err: UpstreamIdleError) => void) | undefined): void {
    this.waiting();
    this.onFire = fire;
  }

  /** For IdleReader: a read of the upstream settled; false when the idle fired meanwhile. */
  settled(done: boolean): boolean {
    this.onFire = undefined;
    this.waitingSince = 0;
    if (this.fired) {
      this.dispose();
      return false;
    }
    if (done) this.dispose();
    return true;
  }

  idleError(): UpstreamIdleError {
    return new UpstreamIdleError(this.ms);
  }

  async text(res: UpstreamResponse): Promise<string> {
    if (!res.text) return new Response(this.body(res.body)).text();
    const failed = new Promise<never>((_, reject) => {
      this.onFire = (err) => {
        reject(err);
        res.abort?.(err);
      };
    });
    failed.catch(() => {});
    this.waiting();
    try {
      // Every chunk restarts the wait; the abort makes the runtime's read fail as well.
      return await Promise.race([res.text(this.waiting), failed]);
    } catch (err) {
      throw this.fired ? new UpstreamIdleError(this.ms) : err;
    } finally {
      this.dispose();
    }
  }
}

/**
 * A body reader under the watch. One promise per read, settled by the read or by the idle timer. Not
 * Promise.race against one pending promise kept for the whole stream: each race added a reaction to
 * that promise, and each reaction held its read's result, so a stream kept every chunk it had passed
 * until it ended (a client reading a fast endless stream: +1 byte of heap per byte sent, 4 GB and an
 * OOM crash). The read's settle functions are fields and the handlers are bound once (reads are one
 * at a time): a token stream reads once per event, and per-read closures were part of its cost.
 */
class IdleReader implements BodyReader {
  private resolve: ((r: ReadableStreamReadResult<Uint8Array>) => void) | undefined;
  private reject: ((err: unknown) => void) | undefined;

  constructor(
    private readonly watch: TimedIdleWatch,
    private readonly src: BodyReader,
  ) {}

  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    this.watch.arm(this.fire);
    return new Promise<ReadableStreamReadResult<Uint8Array>>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.src.read().then(this.onRead, this.onError);
    });
  }

  cancel(reason?: unknown): Promise<void> {
    this.watch.dispose();
    return this.src.cancel(reason);
  }

  /** Hands over the pending read's reject (undefined when none is pending) and forgets the read. */
  private take(): ((err: unknown) => void) | undefined {
    const reject = this.reject;
    this.resolve = this.reject = undefined;
    return reject;
  }

  private readonly fire = (err: UpstreamIdleError) => {
    const reject = this.take();
    if (!reject) return;
    this.watch.dispose();
    // Rejected before the cancel, whose clean "done" would otherwise win.
    reject(err);
    this.src.cancel(err).catch(() => {});
  };

  private readonly onRead = (r: ReadableStreamReadResult<Uint8Array>) => {
    const resolve = this.resolve;
    const reject = this.take();
    // The idle fired first (its reject went out): this late result of the cancelled read is dropped.
    if (!resolve || !reject) return;
    if (this.watch.settled(r.done === true)) resolve(r);
    else reject(this.watch.idleError());
  };

  private readonly onError = (err: unknown) => {
    const reject = this.take();
    if (!reject) return;
    this.watch.dispose();
    reject(this.watch.fired ? this.watch.idleError() : err);
  };
}
