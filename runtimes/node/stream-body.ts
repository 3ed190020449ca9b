// A streamed answer's body for @hono/node-server without a web ReadableStream (AppDeps.streamBody).
// On Node 20 a ReadableStream costs about 15-20 us of CPU to build and drain (makeTransferable in its
// constructor, the controller and queue machinery), a good part of what a streamed answer costs the
// gateway beyond a JSON one. @hono/node-server's Response keeps any body with a getReader() as it is,
// and its writer uses only the stream's locked, getReader() and cancel() and the reader's read(),
// cancel() and closed: that is what this implements, with a ReadableStream's semantics for them
// (a cancel ends a pending read as done), except that closed resolves also when a read failed: the
// failed read already makes the writer destroy the response (the client sees the cut), the forwarder
// logs the failure, and a rejected closed would make @hono/node-server print the error to stderr
// (console.error, outside the JSON log) and try to end the response with an "Error: ..." body. Whatever builds a real
// Response from the body instead (a middleware reading res.body, app.fetch without the server) gets
// an async iterable, which undici's Response turns into a stream of its own.
import type { BodyReader } from '../../src/upstream/types.ts';

type ReadResult = ReadableStreamReadResult<Uint8Array>;
const DONE: ReadResult = { done: true, value: undefined };

class BodyStreamReader {
  readonly closed: Promise<void>;
  private settle!: () => void;
  private over = false;
  private pending: ((r: ReadResult) => void) | undefined;
  private failRead: ((err: unknown) => void) | undefined;

  constructor(private readonly source: BodyReader) {
    this.closed = new Promise<void>((resolve) => (this.settle = resolve));
  }

  // The read's settle functions are fields and the handlers are bound once (the writer reads one at a
  // time): a token stream reads once per event, and per-read closures were part of its cost.
  read(): Promise<ReadResult> {
    if (this.over) return Promise.resolve(DONE);
    return new Promise<ReadResult>((resolve, reject) => {
      this.pending = resolve;
      this.failRead = reject;
      this.source.read().then(this.onValue, this.onError);
    });
  }

  private readonly onValue = (r: ReadResult) => {
    const resolve = this.pending;
    this.pending = this.failRead = undefined;
    if (r.done) this.end();
    // Undefined when a cancel has ended this read as done already.
    resolve?.(r);
  };

  private readonly onError = (err: unknown) => {
    const reject = this.failRead;
    this.pending = this.failRead = undefined;
    this.end();
    // @hono/node-server's writer destroys the response only when the error is truthy; a falsy
    // one would leave the client waiting on a response that never ends.
    reject?.(err || new Error(`upstream body read failed (${String(err)})`));
  };

  cancel(reason?: unknown): Promise<void> {
    if (this.over) return Promise.resolve();
    const pending = this.pending;
    this.pending = this.failRead = undefined;
    this.end();
    pending?.(DONE);
    return this.source.cancel(reason);
  }

  releaseLock(): void {}

  private end(): void {
    if (this.over) return;
    this.over = true;
    this.settle();
  }
}

export class ReaderBody implements AsyncIterable<Uint8Array> {
  locked = false;
  private reader: BodyStreamReader | undefined;

  constructor(private readonly source: BodyReader) {}

  getReader(): BodyStreamReader {
    if (this.locked) throw new TypeError('ReadableStream is locked.');
    this.locked = true;
    return (this.reader = new BodyStreamReader(this.source));
  }

  cancel(reason?: unknown): Promise<void> {
    return this.reader ? this.reader.cancel(reason) : this.source.cancel(reason);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const reader = this.getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
  }
}

/** For AppDeps.streamBody (typed as a BodyInit: @hono/node-server and undici's Response both take it). */
export function nodeStreamBody(reader: BodyReader): BodyInit {
  return new ReaderBody(reader) as unknown as BodyInit;
}
