// Response taps over an SSE answer that Envoy sends in STREAMED mode (one message per body chunk, cut
// anywhere). A chunk-rewriting tap (the PII restore) must see whole events, so each chunk's reply is
// the events it completed, rewritten, and the rest waits for the next chunk; with no such tap each
// chunk goes on as it came and the events are only recorded, for the done taps (the cache store).
// Events are cut, read and recorded by the gateway's own code (src/upstream/sse-events.ts), and the
// recorded answer is assembled by the cache's (src/cache/sse.ts), so both doors store the same thing.
// An event that never ends is held only up to a bound (heldEventBound); past it the rewriter lets it
// go as it came and passes the rest of the answer untouched, as the gateway does.
import type { ResponseTap } from '../../../src/pipeline/context.ts';
import type { Logger, Metrics } from '../../../src/observability/types.ts';
import { assembleChunks } from '../../../src/cache/sse.ts';
import { MAX_HELD_EVENT_CHARS, releaseOversized, SseEventSplitter, TappedEvents } from '../../../src/upstream/sse-events.ts';
import { Utf8Stream } from '../../../src/upstream/utf8-stream.ts';

export interface SseRewriter {
  /** True when the chunks are rewritten (the body's length changes); false when they only are read. */
  readonly rewrites: boolean;
  /**
   * The text to send on in place of this chunk ('' when it completed no event), or undefined when
   * it goes on as it came (no tap rewrites chunks, or rewriting stopped). Bytes on the one chunk where
   * rewriting stops (an event outgrew its bound): they may end inside a character the next chunk ends.
   * `cut`: the answer ended before it was whole (stream-end.ts): the event it left unfinished is
   * dropped, so the error event added after it stands alone (as the gateway drops it). `only`: no more
   * of the answer will come here (BUFFERED_PARTIAL's part): what is held goes on now as it came (the
   * taps' held text first, as when an event outgrows its bound) and the rest passes untouched.
   */
  push(bytes: Uint8Array | undefined, end: boolean, cut?: boolean, only?: boolean): string | Uint8Array | undefined;
  /**
   * After the last chunk: the events as the client got them and the completion they assemble into
   * (undefined when an event is not JSON or there is no chunk), as the gateway hands its done taps.
   */
  /** `oversized`: the answer outgrew what is recorded (no completion then). */
  answer(): { events: string[]; completion?: Record<string, unknown>; oversized: boolean };
}

/**
 * Most characters of an unfinished event the rewriter holds when one gRPC message may carry
 * `maxMessageBytes`: the reply that lets the held event go carries all of it, at up to 3 UTF-8 bytes
 * per character, so a quarter of the message is the bound, with room left for the chunk's own events
 * (and never above the gateway's bound).
 */
export function heldEventBound(maxMessageBytes: number): number {
  return Math.min(MAX_HELD_EVENT_CHARS, Math.floor(maxMessageBytes / 4));
}

export interface SseRewriterOptions {
  /** Runs once when rewriting stops because one event outgrew `maxHeldChars`. */
  onStopped?: () => void;
  /** Bound on the unfinished event a rewriting tap makes the rewriter hold (default MAX_HELD_EVENT_CHARS). */
  maxHeldChars?: number;
}

export function sseRewriter(taps: readonly ResponseTap[], opts: SseRewriterOptions = {}): SseRewriter {
  const decoder = new Utf8Stream();
  const splitter = new SseEventSplitter();
  const tapped = new TappedEvents(taps);
  let stopped = false;
  return {
    rewrites: tapped.rewrite,
    push(bytes, end, cut = false, only = false) {
      // Only recorded, and the answer outgrew the cap: nothing more to read, the chunks go on as they came.
      if (stopped || (!tapped.rewrite && !tapped.recording)) return undefined;
      let out = '';
      for (const ev of splitter.push(decoder.decode(bytes ?? new Uint8Array(0), end))) out += `${tapped.event(ev)}\n\n`;
      // An event that never ends counts too (a rewriting tap's bound on it is below).
      if (!tapped.rewrite) {
        tapped.limit(splitter.pendingLength);
        if (!tapped.recording) {
          splitter.finish(); // what it held is dropped with the rest
          return undefined;
        }
      }
      // A rewriting tap holds the unfinished event whole: past the bound, what is held goes out as it
      // came (with a character cut at the chunk's end) and later chunks pass untouched; not stored.
      const released = only && tapped.rewrite ? tapped.abandon() + splitter.release() : releaseOversized(splitter, tapped, opts.maxHeldChars);
      if (released !== undefined) {
        stopped = true;
        if (!only) opts.onStopped?.();
        return decoder.encodeThenCut(out + released);
      }
      if (end) {
        const rest = splitter.finish();
        if (rest && !cut) out += `${tapped.event(rest)}\n\n`;
        // An upstream that ends without [DONE]: what the taps hold still goes out.
        out += tapped.end();
      }
      return tapped.rewrite ? out : undefined;
    },
    answer: () => ({ events: tapped.events, completion: tapped.recording ? assembleChunks(tapped.events) : undefined, oversized: !tapped.recording }),
  };
}

/** The rewriter of one answer, its held event bounded by what one gRPC reply may carry; a stop is logged and counted. */
export function boundedRewriter(taps: readonly ResponseTap[], maxMessageBytes: number, logger: Logger, metrics: Metrics, requestId: string): SseRewriter {
  return sseRewriter(taps, {
    maxHeldChars: heldEventBound(maxMessageBytes),
    onStopped() {
      // An endless (broken or hostile) event: the rest of the answer goes out unrestored, so say so.
      logger.warn({ request_id: requestId }, 'ext_proc: an SSE event outgrew the rewrite bound; rest passed through unrestored');
      metrics.inc('llm_stream_rewrite_stopped_total', { reason: 'event_too_large' });
    },
  });
}
