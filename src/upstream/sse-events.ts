// Cuts decoded SSE text into events at blank lines, wherever the network cut it: CRLF and lone CR
// line ends become \n, and a '\r' at the end of a piece waits for the next one (it may be the first
// half of a CRLF, which must not count as a line end of its own). Shared by the gateway's watch
// (sse.ts) and ext_proc's STREAMED rewriter, so both see the same events and read them alike.
import type { ResponseTap } from '../pipeline/context.ts';

export class SseEventSplitter {
  // The unfinished event, as the pieces it came in: joined only once a blank line ends it. Appending
  // to one string and searching it on every piece was quadratic (V8 flattens the grown string for
  // each search): one 16 MB event in 16 KiB pieces took 11 s of one core.
  private parts: string[] = [];
  private held = 0;
  private pendingCr = '';

  /** The events completed by `text` (each without its blank line; whitespace-only ones dropped). */
  push(text: string): string[] {
    text = this.pendingCr + text;
    this.pendingCr = text.endsWith('\r') ? '\r' : '';
    if (this.pendingCr) text = text.slice(0, -1);
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
    const prev = this.parts.length ? this.parts[this.parts.length - 1]! : '';
    // A blank line may also start with the previous piece's last '\n'.
    const straddles = prev.endsWith('\n') && text.startsWith('\n');
    if (!straddles && text.indexOf('\n\n') < 0) {
      if (text) {
        this.parts.push(text);
        this.held += text.length;
      }
      return [];
    }
    const buffer = this.parts.join('') + text;
    const events: string[] = [];
    let start = 0;
    let sep: number;
    // What was held holds no blank line: the search starts at its last character.
    while ((sep = buffer.indexOf('\n\n', Math.max(start, this.held - 1))) >= 0) {
      const ev = buffer.slice(start, sep);
      start = sep + 2;
      if (ev.trim()) events.push(ev);
    }
    const rest = buffer.slice(start);
    this.parts = rest ? [rest] : [];
    this.held = rest.length;
    return events;
  }

  /** Characters held for the event not yet complete. */
  get pendingLength(): number {
    return this.held + this.pendingCr.length;
  }

  /** At the end of the answer: the unterminated last event, trimmed ('' when there is none). */
  finish(): string {
    const rest = (this.parts.join('') + (this.pendingCr && '\n')).trim();
    this.parts = [];
    this.held = 0;
    this.pendingCr = '';
    return rest;
  }

  /**
   * What is held for the unfinished event, handed over and forgotten, for a reader that stops
   * splitting and passes the rest on as it comes: the characters as they came, save that line ends
   * are \n as in every event the splitter gives (the same for an SSE parser); a '\r' that may start a
   * CRLF is last, as it came.
   */
  release(): string {
    const held = this.parts.join('') + this.pendingCr;
    this.parts = [];
    this.held = 0;
    this.pendingCr = '';
    return held;
  }

  /** True when nothing but whitespace follows the last complete event. */
  atBoundary(): boolean {
    return !(this.parts.join('') + this.pendingCr).trim();
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
  // The usual event is one data line: the same result without splitting and joining (once per token).
  const single = raw.startsWith('data:') && !raw.includes('\n');
  const lines = single ? [raw] : raw.split('\n');
  const dataLines = single ? lines : lines.filter((l) => l.startsWith('data:'));
  if (!dataLines.length) return { lines };
  const data = single ? raw.slice(raw.startsWith('data: ') ? 6 : 5).trim() : dataLines.map((l) => l.slice(l.startsWith('data: ') ? 6 : 5)).join('\n').trim();
  if (data === '[DONE]') return { lines, data };
  try {
    const obj: unknown = JSON.parse(data);
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) return { lines, data, chunk: obj as Record<string, unknown> };
  } catch {
    // not JSON: passed on as it came
  }
  return { lines, data };
}

/** An error sent in place of a chunk after a 200 head: vLLM's {"error": {...}} or older {"object": "error", ...}. */
export function isErrorChunk(o: Record<string, unknown>): boolean {
  return o.object === 'error' || (o.error !== undefined && o.error !== null && o.choices === undefined);
}

/** The event with its payload replaced by `chunk`; comment, event: and id: lines are kept. */
export function withChunk(ev: ParsedEvent, chunk: Record<string, unknown>): string {
  if (ev.lines.length === 1 && ev.lines[0]!.startsWith('data:')) return `data: ${JSON.stringify(chunk)}`;
  return ev.lines.filter((l) => !l.startsWith('data:')).concat(`data: ${JSON.stringify(chunk)}`).join('\n');
}

/**
 * Most characters of one answer recorded for the done taps (the cache store). A longer answer is
 * not recorded, so not stored: one long or endless stream must not hold memory without a bound (a
 * 50 MB answer was kept whole, twice over with its assembly). 8 Mi characters is about 40 000 chat
 * chunks, far above a normal answer of a few thousand tokens.
 */
export const MAX_RECORDED_CHARS = 8 * 1024 * 1024;

/**
 * Most characters of one unfinished event a rewriting reader holds: a chunk tap (PII restore) needs
 * events whole, so without a bound an upstream that never ends an event (broken or hostile) grows
 * the gateway's (or ext_proc's) memory for as long as it sends. The record cap's bound, as it is far above any chat chunk.
 */
export const MAX_HELD_EVENT_CHARS = MAX_RECORDED_CHARS;

/**
 * For a rewriting reader whose unfinished event outgrew `max`: the text to send now, after which the
 * rest of the answer goes on untouched and nothing is stored (undefined while within the bound, or
 * when nothing rewrites). It is what the taps hold (a placeholder's start, held back), then the held
 * event as it came: placeholders the client gets unrestored carry no personal data, and no byte is
 * dropped or moved.
 */
export function releaseOversized(splitter: SseEventSplitter, tapped: TappedEvents, max = MAX_HELD_EVENT_CHARS): string | undefined {
  if (!tapped.rewrite || splitter.pendingLength <= max) return undefined;
  return tapped.abandon() + splitter.release();
}

/**
 * Each event of an answer read through the response taps, the same way for the gateway's watch
 * (sse.ts) and ext_proc's STREAMED body (runtimes/node/extproc/sse-rewrite.ts): chat chunks go through
 * the chunk taps (rewritten only when one rewrites), and `events` records what the client gets, so
 * the cache stores and replays the answer as it was sent, whichever door it came through.
 */
export class TappedEvents {
  /** The events as sent on (no blank lines), in order, including what end() added; emptied when the
   *  answer outgrows the cap (nothing to store or assemble then). */
  readonly events: string[] = [];
  /** The last chunk that carried `usage` (token metrics). */
  last?: Record<string, unknown>;
  /** An error event came in place of a chunk (isErrorChunk): the answer failed after its 200 head. */
  errored = false;
  /** True when a tap rewrites chunks: events are then re-serialised, and what taps hold is sent at the end. */
  readonly rewrite: boolean;
  private ended = false;
  private recordingOn = true;
  private recorded = 0;

  /**
   * `keep` false: events are not kept (`events` stays empty, `recording` true), for a reader whose
   * answer no done tap reads: a rewrite alone (PII restore without the cache) needs none of them.
   */
  constructor(
    private readonly taps: readonly ResponseTap[],
    private readonly maxRecorded = MAX_RECORDED_CHARS,
    private readonly keep = true,
  ) {
    this.rewrite = taps.some((t) => t.chunk);
  }

  /** True while events are recorded: the answer is within the cap. */
  get recording(): boolean {
    return this.recordingOn;
  }

  /** Stops recording when what is recorded plus `pending` characters of an event still to come
   *  (one endless event) pass the cap. */
  limit(pending: number): void {
    if (this.recordingOn && this.recorded + pending > this.maxRecorded) this.stop();
  }

  /** Stops rewriting and recording: what the taps still hold, as events with their blank lines. */
  abandon(): string {
    const held = this.end();
    this.stop();
    return held;
  }

  private record(ev: string): void {
    if (!this.recordingOn || !this.keep) return;
    this.recorded += ev.length;
    if (this.recorded > this.maxRecorded) this.stop();
    else this.events.push(ev);
  }

  private stop(): void {
    this.recordingOn = false;
    this.events.length = 0;
  }

  /**
   * The event to send on in place of `raw`. An event may carry comment, `event:` or `id:` lines and
   * several `data:` lines (joined with \n, as the SSE spec says); the other lines are kept when the
   * payload is rewritten.
   */
  event(raw: string): string {
    // Nothing rewrites: the event goes on as it came, and it is read only for `usage` and an error.
    // An event whose text names neither (nor escapes a character, which a key could hide behind) is
    // not parsed: on a token stream that is nearly every event.
    if (!this.rewrite && !raw.includes('usage') && !raw.includes('error') && !raw.includes('\\u')) {
      this.record(raw);
      return raw;
    }
    const ev = parseEvent(raw);
    if (ev.data === '[DONE]') {
      const held = this.end();
      this.record(raw);
      return held + raw;
    }
    // No payload, not JSON, or JSON that is no chunk (`data: null` threw in a tap and cut the answer):
    // passed on as it came, not handed to taps.
    if (!ev.chunk) {
      this.record(raw);
      return raw;
    }
    if (isErrorChunk(ev.chunk)) this.errored = true;
    let obj = ev.chunk;
    for (const t of this.taps) if (t.chunk) obj = t.chunk(obj);
    if (obj.usage) this.last = obj;
    const out = this.rewrite ? withChunk(ev, obj) : raw;
    this.record(out);
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
        this.record(ev);
        out += `${ev}\n\n`;
      }
    }
    return out;
  }
}
