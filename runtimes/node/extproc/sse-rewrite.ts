// Response taps over an SSE answer that Envoy sends in STREAMED mode (one message per body chunk, cut
// anywhere). A chunk-rewriting tap (the PII restore) must see whole events, so each chunk's reply is
// the events it completed, rewritten, and the rest waits for the next chunk. Same event rules as the
// gateway's watch (src/upstream/sse.ts): several data: lines join with \n, other lines are kept, [DONE],
// non-JSON and non-object payloads pass through as they came.
import type { ResponseTap } from '../../../src/pipeline/context.ts';
import { SseEventSplitter } from '../../../src/upstream/sse-events.ts';

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
    return taps.flatMap((t) => t.end?.() ?? []).map((c) => `data: ${JSON.stringify(c)}\n\n`).join('');
  };
  const event = (raw: string): string => {
    const lines = raw.split('\n');
    const dataLines = lines.filter((l) => l.startsWith('data:'));
    if (!dataLines.length) return raw;
    const data = dataLines.map((l) => l.slice(l.startsWith('data: ') ? 6 : 5)).join('\n').trim();
    if (data === '[DONE]') return held() + raw;
    let obj: unknown;
    try {
      obj = JSON.parse(data);
    } catch {
      return raw;
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return raw;
    let chunk = obj as Record<string, unknown>;
    for (const t of taps) if (t.chunk) chunk = t.chunk(chunk);
    return lines.filter((l) => !l.startsWith('data:')).concat(`data: ${JSON.stringify(chunk)}`).join('\n');
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
