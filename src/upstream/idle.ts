// upstream.idle_timeout_ms: timeout_ms covers only the wait for the response headers, so a body that
// stalls afterwards would hold the client for as long as the upstream stays silent. Here, in the core,
// so both runtimes get it: a read of the upstream body that waits longer than the limit aborts the
// upstream request and fails with UpstreamIdleError. Only time spent waiting on the upstream counts:
// a slow client that leaves the body unread (backpressure) is not the upstream's silence.
import type { UpstreamResponse } from './types.ts';

export class UpstreamIdleError extends Error {
  constructor(readonly ms: number) {
    super(`no upstream byte for ${ms} ms`);
    this.name = 'UpstreamIdleError';
  }
}

export interface IdleWatch {
  /** For UpstreamRequest.signal: the client's signal (the idle abort ends the body read, not the request). */
  readonly signal: AbortSignal | undefined;
  readonly fired: boolean;
  /** The body under the watch; the watch ends with it (end, error or cancel). */
  body(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array>;
  /** The whole body as text under the watch (the runtime's text() fast path where it has one). */
  text(res: UpstreamResponse): Promise<string>;
  /** Drops the timer (idempotent). */
  dispose(): void;
}

// No AbortController of its own: the watch only times reads of a body whose headers have arrived, so
// the request itself needs only the client's signal, and a stalled read is ended where it happens
// (a web-stream body is cancelled, a text() read is aborted). An AbortSignal costs about 5 us to create
// on Node 20, per request.
export function idleWatch(ms: number, clientSignal?: AbortSignal): IdleWatch {
  if (!ms) {
    return {
      signal: clientSignal,
      fired: false,
      body: (b) => b,
      text: (res) => (res.text ? res.text() : new Response(res.body).text()),
      dispose() {},
    };
  }
  let fired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Set while a read of the upstream is pending: 0 when none is. One timer per period, not per chunk.
  let waitingSince = 0;
  let onFire: ((err: UpstreamIdleError) => void) | undefined;

  const check = () => {
    timer = undefined;
    if (fired || clientSignal?.aborted) return;
    const left = waitingSince ? waitingSince + ms - Date.now() : ms;
    if (waitingSince && left <= 0) {
      fired = true;
      const err = new UpstreamIdleError(ms);
      // The pending read learns of the idle first, then ends the upstream answer.
      onFire?.(err);
      return;
    }
    timer = setTimeout(check, left);
  };
  const waiting = () => {
    waitingSince = Date.now();
    timer ??= setTimeout(check, ms);
  };
  const dispose = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    waitingSince = 0;
    onFire = undefined;
  };

  const watchBody = (body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> => {
    const reader = body.getReader();
    let stalled: Promise<never> | undefined;
    const stall = () =>
      (stalled ??= new Promise<never>((_, reject) => {
        onFire = (err) => {
          // Rejected before the cancel, whose clean "done" would otherwise win the race.
          reject(err);
          reader.cancel(err).catch(() => {});
        };
      }));
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          waiting();
          let r: ReadableStreamReadResult<Uint8Array>;
          try {
            r = await Promise.race([reader.read(), stall()]);
          } catch (err) {
            dispose();
            throw fired ? new UpstreamIdleError(ms) : err;
          }
          waitingSince = 0;
          if (fired) {
            dispose();
            throw new UpstreamIdleError(ms);
          }
          if (r.done) {
            dispose();
            controller.close();
          } else controller.enqueue(r.value);
        },
        cancel(reason) {
          dispose();
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  };

  return {
    signal: clientSignal,
    get fired() {
      return fired;
    },
    dispose,
    body: watchBody,
    async text(res) {
      if (!res.text) return new Response(watchBody(res.body)).text();
      const failed = new Promise<never>((_, reject) => {
        onFire = (err) => {
          reject(err);
          res.abort?.(err);
        };
      });
      failed.catch(() => {});
      waiting();
      try {
        // Every chunk restarts the wait; the abort makes the runtime's read fail as well.
        return await Promise.race([res.text(waiting), failed]);
      } catch (err) {
        throw fired ? new UpstreamIdleError(ms) : err;
      } finally {
        dispose();
      }
    },
  };
}
