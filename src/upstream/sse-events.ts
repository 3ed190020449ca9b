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

/**
 * Each event of an answer read through the response taps, the same way for the gateway's watch
 * (sse.ts) and ext_proc's STREAMED body (runtimes/node/extproc/sse-rewrite.ts): chat chunks go through
 * the chunk taps (rewritten only when one rewrites), and `events` records what the client gets, so
 * the cache stores and replays the answer as it was sent, whichever door it came through.
 */
export class TappedEvents {
  /** The events as sent on (no blank lines), in order, including what end() added. */
  readonly events: string[] = [];
  /** The last chunk that carried `usage` (token metrics). */
  last?: Record<string, unknown>;
  /** True when a tap rewrites chunks: events are then re-serialised, and what taps hold is sent at the end. */
  readonly rewrite: boolean;
  private ended = false;

  constructor(private readonly taps: readonly ResponseTap[]) {
    this.rewrite = taps.some((t) => t.chunk);
  }

  /**
   * The event to send on in place of `raw`. An event may carry comment, `event:` or `id:` lines and
   * several `data:` lines (joined with \n, as the SSE spec says); the other lines are kept when the
   * payload is rewritten.
   */
  event(raw: string): string {
    const ev = parseEvent(raw);
    if (ev.data === '[DONE]') {
      const held = this.end();
      this.events.push(raw);
      return held + raw;
    }
    // No payload, not JSON, or JSON that is no chunk (`data: null` threw in a tap and cut the answer):
    // passed on as it came, not handed to taps.
    if (!ev.chunk) {
      this.events.push(raw);
      return raw;
    }
    let obj = ev.chunk;
    for (const t of this.taps) if (t.chunk) obj = t.chunk(obj);
    if (obj.usage) this.last = obj;
    const out = this.rewrite ? withChunk(ev, obj) : raw;
    this.events.push(out);
    return out;
  }

  /**
   * Chunks the taps still hold (a placeholder cut off by a stream with no finish_reason), once, before
   * [DONE] or the upstream's end, each as an event of its own with its blank line ('' when none).
   */
  end(): string {
    if (this.ended || !this.rewrite) return '';
    this.ended = true;
    let out = '';
    for (const t of this.taps) {
      for (const c of t.end?.() ?? []) {
        const ev = `data: ${JSON.stringify(c)}`;
        this.events.push(ev);
        out += `${ev}\n\n`;
      }
    }
    return out;
  }
}
