// Cuts decoded SSE text into events at blank lines, wherever the network cut it: CRLF and lone CR
// line ends become \n, and a '\r' at the end of a piece waits for the next one (it may be the first
// half of a CRLF, which must not count as a line end of its own). Shared by the gateway's watch
// (sse.ts) and ext_proc's STREAMED rewriter, so both see the same events and read them alike.
import type { ResponseTap } from '../pipeline/context.ts';

export class SseEventSplitter {
  private buffer = '';
  private pendingCr = '';

  /** The events completed by `text` (each without its blank line; whitespace-only ones dropped). */
  push(text: string): string[] {
    text = this.pendingCr + text;
    this.pendingCr = text.endsWith('\r') ? '\r' : '';
    if (this.pendingCr) text = text.slice(0, -1);
    this.buffer += text.replace(/\r\n?/g, '\n');
    const events: string[] = [];
    let sep: number;
    while ((sep = this.buffer.indexOf('\n\n')) >= 0) {
      const ev = this.buffer.slice(0, sep);
      this.buffer = this.buffer.slice(sep + 2);
      if (ev.trim()) events.push(ev);
    }
    return events;
  }

  /** At the end of the answer: the unterminated last event, trimmed ('' when there is none). */
  finish(): string {
    const rest = (this.buffer + (this.pendingCr && '\n')).trim();
    this.buffer = this.pendingCr = '';
    return rest;
  }

  /** True when nothing but whitespace follows the last complete event. */
  atBoundary(): boolean {
    return !(this.buffer + this.pendingCr).trim();
  }
}

export interface ParsedEvent {
  lines: string[];
  /** The data lines' payload (joined with \n, as the SSE spec says), if the event has any. */
  data?: string;
  /** The payload as a chat chunk: a JSON object. [DONE], non-JSON, null, numbers, strings and arrays are not. */
  chunk?: Record<string, unknown>;
}

export function parseEvent(raw: string): ParsedEvent {
  const lines = raw.split('\n');
  const dataLines = lines.filter((l) => l.startsWith('data:'));
  if (!dataLines.length) return { lines };
  const data = dataLines.map((l) => l.slice(l.startsWith('data: ') ? 6 : 5)).join('\n').trim();
  if (data === '[DONE]') return { lines, data };
  try {
    const obj: unknown = JSON.parse(data);
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) return { lines, data, chunk: obj as Record<string, unknown> };
  } catch {
    // not JSON: passed on as it came
  }
  return { lines, data };
}

/** The event with its payload replaced by `chunk`; comment, event: and id: lines are kept. */
export function withChunk(ev: ParsedEvent, chunk: Record<string, unknown>): string {
  return ev.lines.filter((l) => !l.startsWith('data:')).concat(`data: ${JSON.stringify(chunk)}`).join('\n');
}

/** What the taps still hold at the answer's end (end()), one event each, without the blank line. */
export function tapEndEvents(taps: readonly ResponseTap[]): string[] {
  const out: string[] = [];
  for (const t of taps) for (const c of t.end?.() ?? []) out.push(`data: ${JSON.stringify(c)}`);
  return out;
}
