// Whether an upstream request failed before or after its body went out whole: what decides whether the
// forwarder may send it to the next endpoint (or again). workerd's fetch rejects with the same
// "Network connection lost." (remote, retryable) for a refused connection, one closed before the
// request was read, one the upstream read and then dropped, and a kept-alive socket closed as it was
// reused; the timing tells nothing either. What the Worker can see is how far workerd read the body:
// handed over as a FixedLengthStream (Content-Length on the wire, as with a buffer) in two writes (all
// but the last byte, then the last byte), the second write is taken only after the first was written
// to a connected socket, so a body read to its end went out to an upstream that took the connection.
// Measured in workerd 2026-04-26 (runtimes/worker/README.md has the table): refused and closed-at-once
// connections never took the last byte; one reset after reading part of an 8 MiB body neither; an
// upstream that read the request and closed always had it whole. The last byte's own write may still
// fail after it was read (taken as sent: the safe side, never sent twice).

/** The body to hand to fetch, and whether it went out whole once fetch has failed. */
export interface WatchedBody {
  init: Uint8Array | string | ReadableStream<Uint8Array> | undefined;
  /** true: read to its end; false: not; undefined: no body, or one that cannot be split (nothing to tell). */
  sent(): boolean | undefined;
}

const encoder = new TextEncoder();

// FixedLengthStream is workerd's: elsewhere (a Worker test double in Node) the body goes as it came.
const fixedLength = (globalThis as { FixedLengthStream?: new (n: number) => TransformStream<Uint8Array, Uint8Array> }).FixedLengthStream;

export function watchedBody(body: Uint8Array | string | undefined): WatchedBody {
  if (body === undefined || !fixedLength) return { init: body, sent: () => undefined };
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  if (bytes.byteLength < 2) return { init: body, sent: () => undefined };
  const stream = new fixedLength(bytes.byteLength);
  const writer = stream.writable.getWriter();
  let whole = false;
  const last = bytes.byteLength - 1;
  writer
    .write(bytes.subarray(0, last))
    .then(() => writer.write(bytes.subarray(last)))
    .then(() => {
      whole = true;
      return writer.close();
    })
    // The failed request's stream errors (or is cancelled) with fetch's own error, reported there.
    .catch(() => {});
  return { init: stream.readable, sent: () => whole };
}
