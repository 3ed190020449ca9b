// The core forwards through this interface. Node implements it with undici.request
// (Node 20's global fetch costs ~0.4 ms CPU per request); the Worker implements it with fetch.

/**
 * What the gateway needs of a client's cancel signal. An AbortSignal is one; a runtime may hand over
 * something cheaper (runtimes/node/client-signal.ts: creating an AbortSignal costs about 5 us on Node 20).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface UpstreamRequest {
  /** Absolute base URL of the chosen endpoint, e.g. "http://vllm-router-service.ns.svc.cluster.local:80". */
  baseUrl: string;
  method: string;
  /** Path with query, e.g. "/v1/chat/completions". */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  /** Aborted when the client disconnects. */
  signal?: CancelSignal;
  /** Milliseconds until the response headers must arrive. */
  timeoutMs?: number;
}

/** What the forwarder uses of a ReadableStream's reader: a runtime may give one without building a web stream. */
export interface BodyReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * A web stream over a reader (cancel reaches the reader; a failed read errors the stream). With the
 * default highWaterMark 0 it reads only when its consumer pulls; 1 keeps one chunk read ahead.
 */
export function readerStream(reader: BodyReader, highWaterMark = 0): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark },
  );
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as it arrives; consumers must read it or cancel it. */
  body: ReadableStream<Uint8Array>;
  /**
   * Optional fast path: the whole body as text, without building a web stream (a runtime whose
   * native body is not a web stream implements it; then `body` is not touched). `onData`, when
   * given, is called as each chunk arrives (the forwarder's idle timeout watches it).
   */
  text?(onData?: () => void): Promise<string>;
  /**
   * Optional fast path for a streamed answer: a reader over the body without building a web stream
   * (each ReadableStream costs several microseconds on Node); then `body` is not touched.
   */
  reader?(): BodyReader;
  /**
   * Drops the answer and its connection (the upstream stops generating). A runtime that implements
   * text() implements this too: the idle timeout ends a stalled text() read with it. A web-stream
   * body is ended by cancelling it.
   */
  abort?(reason?: unknown): void;
}

/** Thrown (rejected) when no byte has been received: the caller may try the next endpoint. */
export class UpstreamConnectError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'UpstreamConnectError';
  }
}

/**
 * The endpoint took the connection and the request, then closed it without a byte of an answer: it
 * may have started on it (a crash mid-generation, a proxy's reset), so the request is not sent again
 * to another endpoint (a POST would run twice). The endpoint counts as failing for the pool.
 */
export class UpstreamDroppedError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'UpstreamDroppedError';
  }
}

/** A JSON (non-streamed) answer past the most the runtime reads into memory: refused, not buffered on. */
export class UpstreamTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`upstream answer larger than ${maxBytes} bytes`);
    this.name = 'UpstreamTooLargeError';
  }
}

export class UpstreamTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamTimeoutError';
  }
}

export interface UpstreamClient {
  send(req: UpstreamRequest): Promise<UpstreamResponse>;
  close?(): Promise<void>;
}
