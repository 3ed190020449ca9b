// Response taps over an SSE answer that Envoy sends in STREAMED mode (one message per body chunk, cut
// anywhere). A chunk-rewriting tap (the PII restore) must see whole events, so each chunk's reply is
// the events it completed, rewritten, and the rest waits for the next chunk; with no such tap each
// chunk goes on as it came and the events are only recorded, for the done taps (the cache store).
// Events are cut, read and recorded by the gateway's own code (src/upstream/sse-events.ts), and the
// recorded answer is assembled by the cache's (src/cache/sse.ts), so both doors store the same thing.
import type { ResponseTap } from '../../../src/pipeline/context.ts';
import { assembleChunks } from '../../../src/cache/sse.ts';
import { SseEventSplitter, TappedEvents } from '../../../src/upstream/sse-events.ts';

export interface SseRewriter {
  /** True when the chunks are rewritten (the body's length changes); false when they only are read. */
  readonly rewrites: boolean;
  /**
   * The bytes to send on in place of this chunk ('' when it completed no event), or undefined when
   * no tap rewrites chunks and this one goes on as it came.
   */
  push(bytes: Uint8Array | undefined, end: boolean): string | undefined;
  /**
   * After the last chunk: the events as the client got them and the completion they assemble into
   * (undefined when an event is not JSON or there is no chunk), as the gateway hands its done taps.
   */
  answer(): { events: string[]; completion?: Record<string, unknown> };
}

export function sseRewriter(taps: readonly ResponseTap[]): SseRewriter {
  const decoder = new TextDecoder();
  const splitter = new SseEventSplitter();
  const tapped = new TappedEvents(taps);
  return {
    rewrites: tapped.rewrite,
    push(bytes, end) {
      // Only recorded, and the answer outgrew the cap: nothing more to read, the chunks go on as they came.
      if (!tapped.rewrite && !tapped.recording) return undefined;
      let out = '';
      for (const ev of splitter.push(decoder.decode(bytes ?? new Uint8Array(0), { stream: !end }))) out += `${tapped.event(ev)}\n\n`;
      // An event that never ends counts too; a rewriting tap needs it whole, so only the recorder gives up.
      if (!tapped.rewrite) {
        tapped.limit(splitter.pendingLength);
        if (!tapped.recording) {
          splitter.finish(); // what it held is dropped with the rest
          return undefined;
        }
      }
      if (end) {
        const rest = splitter.finish();
        if (rest) out += `${tapped.event(rest)}\n\n`;
        // An upstream that ends without [DONE]: what the taps hold still goes out.
        out += tapped.end();
      }
      return tapped.rewrite ? out : undefined;
    },
    answer: () => ({ events: tapped.events, completion: assembleChunks(tapped.events) }),
  };
}
