// The pull reader the forwarder's streaming path reads an upstream answer with (no ReadableStream):
// chunks the source pushes wait in a short queue, or go straight to a pending read(). The two sources,
// undici's dispatch handler (upstream-exchange.ts) and a node Readable (upstream-client.ts, the
// decompressed path), differ only in how they are resumed and dropped, so those are the subclass's
// two methods: no closure or extra object per chunk on this hot path.
import type { BodyReader } from '../../src/upstream/types.ts';

/** Chunks held for a reader that is behind (or before anyone reads) before the upstream is paused. */
export const QUEUE_LIMIT = 16;

export abstract class ChunkQueueReader implements BodyReader {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failed: Error | undefined;
  private waiter: { resolve(r: ReadableStreamReadResult<Uint8Array>): void; reject(err: Error): void } | undefined;

  /** The queue drained: let the source send more. */
  protected abstract resumeSource(): void;
  /** The reader was cancelled: drop the upstream request. */
  protected abstract abortSource(): void;

  /** One chunk from the source; false asks the source to pause (the queue is full). */
  data(chunk: Buffer): boolean {
    if (this.ended || this.failed) return true;
    const value = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve({ done: false, value });
      return true;
    }
    return this.queue.push(value) < QUEUE_LIMIT;
  }

  end(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    this.waiter?.resolve({ done: true, value: undefined });
    this.waiter = undefined;
  }

  fail(err: Error): void {
    if (this.ended || this.failed) return;
    this.failed = err;
    this.waiter?.reject(err);
    this.waiter = undefined;
  }

  /** Neither ended nor failed yet (a source's close then means the answer was cut). */
  protected get open(): boolean {
    return !this.ended && !this.failed;
  }

  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const value = this.queue.shift();
    if (value) {
      if (this.queue.length === 0) this.resumeSource();
      return Promise.resolve({ done: false, value });
    }
    if (this.failed) return Promise.reject(this.failed);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Client went away: drop the upstream request too, so the model stops generating. */
  cancel(): Promise<void> {
    this.ended = true;
    this.queue.length = 0;
    this.abortSource();
    return Promise.resolve();
  }
}
