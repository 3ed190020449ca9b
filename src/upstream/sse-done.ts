// [DONE] ends a chat (or completions) stream: the answer is whole there, whatever the upstream does
// after it. The watch (sse.ts, watch.doneEnds) ends the client's stream with that event instead of
// waiting for the upstream's end: an upstream that then resets or closes the connection before its
// chunked end was counted as a cut stream (and its usage lost), and one that stayed open held the
// client (SDKs read to the body's end) until upstream.idle_timeout_ms. The rest is read and dropped.
import type { BodyReader } from './types.ts';

/** How long the client's end waits for the upstream's after [DONE]; how long the rest is read at most. */
export const DONE_WAIT_MS = 200;
export const DONE_GRACE_MS = 5000;
const WINDOW = 24;
// The [DONE] event at the end: its data line, then a blank line. Two line ends of any kind, save
// that a last '\r' counts only after another (it may be the start of a CRLF still to come), and
// "\r\n" alone is one line end.
const DONE_AT_END = /(?:^|[\r\n])data: ?\[DONE\][ \t]*(?:\n\n|\r\r|\r\n\r\n|\r\n\n|\n\r\n|\r\r\n)$/;
const LATIN1 = new TextDecoder('latin1');

/** An event as the splitter gives it (line ends \n, no blank line): [DONE]'s, with any other lines. */
export function isDoneEvent(ev: string): boolean {
  return ev.endsWith('[DONE]') && /(?:^|\n)data: ?\[DONE\]$/.test(ev);
}

/** Whether the bytes read so far end with the [DONE] event: the last few bytes are kept across reads. */
export class DoneSpotter {
  // The bytes read last: the last read itself when it is long enough (no copy), else a window of the
  // last WINDOW bytes across reads.
  private last: Uint8Array = new Uint8Array(0);

  push(v: Uint8Array): boolean {
    const n = v.byteLength;
    if (n >= WINDOW) this.last = v;
    else {
      const keep = Math.min(this.last.byteLength, WINDOW - n);
      const w = new Uint8Array(keep + n);
      w.set(this.last.subarray(this.last.byteLength - keep));
      w.set(v, keep);
      this.last = w;
    }
    // Most reads end inside an event, or after one that ends in '}' (a chunk): a byte or two say so.
    const w = this.last;
    let i = w.byteLength - 1;
    if (w[i] !== 0x0a && w[i] !== 0x0d) return false;
    while (i > 0 && (w[i] === 0x0a || w[i] === 0x0d || w[i] === 0x20 || w[i] === 0x09)) i--;
    return w[i] === 0x5d && DONE_AT_END.test(LATIN1.decode(w.byteLength > WINDOW ? w.subarray(w.byteLength - WINDOW) : w));
  }
}

/**
 * After [DONE]: the rest of the upstream answer is read and dropped. Resolves when it has ended (or
 * failed: no failure of the answer, which is over), which a well-behaved upstream does at once, so
 * its connection is free for the next request; or after `waitMs`, while the read goes on in the
 * background until `graceMs` have passed, then is cancelled (an upstream that stays open).
 */
export function endAfterDone(reader: BodyReader, waitMs = DONE_WAIT_MS, graceMs = DONE_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    let over = false;
    const stop = () => {
      over = true;
      clearTimeout(grace);
      clearTimeout(wait);
      resolve();
    };
    const wait = setTimeout(resolve, waitMs);
    const grace = setTimeout(() => {
      over = true;
      reader.cancel(new Error('nothing is read after [DONE]')).catch(() => {});
    }, graceMs);
    // On Node the grace alone must not keep a process that is shutting down alive.
    (grace as { unref?: () => void }).unref?.();
    const next = (): void => {
      let p: Promise<ReadableStreamReadResult<Uint8Array>>;
      try {
        p = reader.read();
      } catch {
        return stop();
      }
      p.then((r) => (r.done || over ? stop() : next()), stop);
    };
    next();
  });
}
