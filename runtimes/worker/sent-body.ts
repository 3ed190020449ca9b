// Whether an upstream request failed before or after its body went out whole: what decides whether the
// forwarder may send it to the next endpoint (or again). workerd's fetch rejects with the same
// "Network connection lost." (remote, retryable) for a refused connection, one closed before the
// request was read, one the upstream read and then dropped, and a kept-alive socket closed as it was
// reused; the timing tells nothing either. What the Worker can see is how far workerd read the body:
// handed over as a FixedLengthStream (Content-Length on the wire, as with a buffer) in several writes,
// each taken only after the one before it was written to a connected socket: the second byte's tells
// that the connection is up (upstream.connect_timeout_ms), the last byte's that the body went out to an
// upstream that took the connection.
// Measured in workerd 2026-04-26 (runtimes/worker/README.md has the table): refused and closed-at-once
// connections never took the last byte; one reset after reading part of an 8 MiB body neither; an
// upstream that read the request and closed always had it whole. The last byte's own write may still
// fail after it was read (taken as sent: the safe side, never sent twice).

/** The body to hand to fetch, and how far workerd read it. */
export interface WatchedBody {
  init: Uint8Array | string | ReadableStream<Uint8Array> | undefined;
  /** true: read to its end; false: not; undefined: no body, or one that cannot be split (nothing to tell). */
  sent(): boolean | undefined;
  /** Settles once a byte was written to a connected socket (the connect is over); absent: nothing to tell by. */
  connected?: Promise<void>;
  /** The fetch the body goes with: a held body (holdMs) goes on once it settles (an early answer came). */
  answeredBy(p: Promise<unknown>): void;
}

const encoder = new TextEncoder();

// FixedLengthStream is workerd's: elsewhere (a Worker test double in Node) the body goes as it came.
const fixedLength = (globalThis as { FixedLengthStream?: new (n: number) => TransformStream<Uint8Array, Uint8Array> }).FixedLengthStream;

/**
 * `holdMs`: after the second byte (the connection is up), the rest waits until the fetch settles or
 * holdMs pass. An upstream that answers from the head alone (a proxy's 413 to a Content-Length over
 * its limit) and resets the connection with the body unread: while workerd is writing the body, the
 * failed write fails the fetch and the answer is lost (measured: 2 of 4 8 MiB requests); with no write
 * pending, fetch resolves with the answer. Used on a second try, and on a connection that may be a
 * kept-alive one the upstream is closing (kept-alive.ts REUSE_HOLD_MS): the hold is latency.
 */
export function watchedBody(body: Uint8Array | string | undefined, holdMs = 0): WatchedBody {
  const none = { answeredBy() {} };
  if (body === undefined || !fixedLength) return { init: body, sent: () => undefined, ...none };
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const n = bytes.byteLength;
  if (n < 2) return { init: body, sent: () => undefined, ...none };
  const stream = new fixedLength(n);
  const writer = stream.writable.getWriter();
  // The first byte alone (workerd reads it before it has a connection), then one byte more (read only
  // once the first was written: the connection is up, whatever the body's size), then the rest but
  // the last byte, then the last byte (read once all before it went out).
  const pieces = [bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2, n - 1), bytes.subarray(Math.max(2, n - 1))].filter((p) => p.byteLength > 0);
  let whole = false;
  let onConnected!: () => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  let onAnswered!: () => void;
  const answered = new Promise<void>((resolve) => (onAnswered = resolve));
  void (async () => {
    for (let i = 0; i < pieces.length; i++) {
      await writer.write(pieces[i]!);
      if (i === 1) {
        onConnected();
        if (holdMs > 0 && i < pieces.length - 1) await held(answered, holdMs);
      }
    }
    whole = true;
    await writer.close();
    // The failed request's stream errors (or is cancelled) with fetch's own error, reported there.
  })().catch(() => {});
  return { init: stream.readable, sent: () => whole, connected, answeredBy: (p) => void p.then(onAnswered, onAnswered) };
}

async function held(answered: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([answered, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
