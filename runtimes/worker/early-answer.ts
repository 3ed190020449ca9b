// An error answer that came before the upstream had the whole request body: a proxy in front of the
// engine refusing from the head alone (nginx answers 413 to a Content-Length over
// client_max_body_size, then resets the connection or closes it lingering). Measured in workerd
// (test/worker/upstream-early-answer.test.ts): fetch resolves with the answer's head, but its body is
// delivered only once the request body has gone out; with the connection reset it fails, with the
// proxy's side shut and the body unread it waits until the proxy gives up (10 s in the test, the
// gateway's idle timeout otherwise). Node reads it at once.

/** How long a second try holds its body after the connect, for an early answer to come (sent-body.ts). */
export const EARLY_ANSWER_HOLD_MS = 250;
/** How long an early error answer's body is waited for before the client gets its status alone. */
export const EARLY_ANSWER_READ_MS = 1000;

const streamOf = (chunks: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });

/**
 * The early error answer's body, read whole within `ms` and at most `max` bytes, as a stream of those
 * bytes; an empty one when it cannot be (the gateway then says "The upstream answered with HTTP 413.",
 * as Node does of a proxy's HTML page). Either way the rest of the request is not sent (`stop`): the
 * upstream refused it.
 */
export async function earlyAnswerBody(body: ReadableStream<Uint8Array>, ms: number, max: number, stop: () => void): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === 'late' || (!next.done && (bytes += next.value.byteLength) > max)) break;
      if (next.done) return streamOf(chunks);
      chunks.push(next.value);
    }
  } catch {
    // A reset connection: nothing of the answer's body is given.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
    stop();
  }
  return streamOf([]);
}
