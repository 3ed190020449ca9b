// Response taps over an SSE answer that Envoy sends in STREAMED mode (one message per body chunk, cut
// anywhere). A chunk-rewriting tap (the PII restore) must see whole events, so each chunk's reply is
// the events it completed, rewritten, and the rest waits for the next chunk. Events are cut and read
// by the same code as the gateway's watch (src/upstream/sse-events.ts).
import type { ResponseTap } from '../../../src/pipeline/context.ts';
import { parseEvent, SseEventSplitter, tapEndEvents, withChunk } from '../../../src/upstream/sse-events.ts';

export interface SseRewriter {
  /** The bytes to send on in place of this chunk ('' when it completed no event). */
  push(bytes: Uint8Array | undefined, end: boolean): string;
}

export function sseRewriter(taps: readonly ResponseTap[]): SseRewriter {
  const decoder = new TextDecoder();
  const splitter = new SseEventSplitter();
  // What the taps still hold (end()), sent once before [DONE] or the answer's end.
  let ended = false;
  const held = (): string => {
    if (ended) return '';
    ended = true;
    return tapEndEvents(taps).map((ev) => `${ev}\n\n`).join('');
  };
  const event = (raw: string): string => {
    const ev = parseEvent(raw);
    if (ev.data === '[DONE]') return held() + raw;
    if (!ev.chunk) return raw;
    let chunk = ev.chunk;
    for (const t of taps) if (t.chunk) chunk = t.chunk(chunk);
    return withChunk(ev, chunk);
  };
  return {
    push(bytes, end) {
      let out = '';
      for (const ev of splitter.push(decoder.decode(bytes ?? new Uint8Array(0), { stream: !end }))) out += `${event(ev)}\n\n`;
      if (end) {
        const rest = splitter.finish();
        if (rest) out += `${event(rest)}\n\n`;
        out += held();
      }
      return out;
    },
  };
}
