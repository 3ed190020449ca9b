// Response taps over an SSE answer that Envoy sends in STREAMED mode (one message per body chunk, cut
// anywhere). A chunk-rewriting tap (the PII restore) must see whole events, so each chunk's reply is
// the events it completed, rewritten, and the rest waits for the next chunk. Same event rules as the
// gateway's watch (src/upstream/sse.ts): several data: lines join with \n, other lines are kept, [DONE],
// non-JSON and non-object payloads pass through as they came.
import type { ResponseTap } from '../../../src/pipeline/context.ts';

export interface SseRewriter {
  /** The bytes to send on in place of this chunk ('' when it completed no event). */
  push(bytes: Uint8Array | undefined, end: boolean): string;
}

export function sseRewriter(taps: readonly ResponseTap[]): SseRewriter {
  const decoder = new TextDecoder();
  let buffer = '';
  // A CRLF split across two chunks: the '\r' waits, or it would be taken for a line end of its own.
  let pendingCr = '';
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
      let text = pendingCr + decoder.decode(bytes ?? new Uint8Array(0), { stream: !end });
      pendingCr = !end && text.endsWith('\r') ? '\r' : '';
      if (pendingCr) text = text.slice(0, -1);
      buffer += text.replace(/\r\n?/g, '\n');
      let out = '';
      let sep: number;
      while ((sep = buffer.indexOf('\n\n')) >= 0) {
        const ev = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        if (ev.trim()) out += `${event(ev)}\n\n`;
      }
      if (end && buffer.trim()) out += `${event(buffer.trim())}\n\n`;
      if (end) {
        buffer = '';
        out += held();
      }
      return out;
    },
  };
}
