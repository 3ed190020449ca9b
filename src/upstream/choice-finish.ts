// Per-choice finish tracking for the clean-end check (stream-whole.ts) of a stream with n > 1. That
// check reads the last data event only, so an answer that ended cleanly (no [DONE]) after choice 0's
// finishing chunk passed for whole though choice 1 never finished, and the SDK ended silently with
// it cut short. Here every upstream read is cut into events and each choice's finish_reason noted,
// whatever path the watch takes (passed through, usage taken out, rewritten): the reader is wrapped
// before the watch reads it. Only for n > 1, so a one-choice stream pays nothing.
import type { BodyReader } from './types.ts';
import { MAX_HELD_EVENT_CHARS, parseEvent, SseEventSplitter } from './sse-events.ts';
import { Utf8Stream } from './utf8-stream.ts';
import { laxInt } from '../pipeline/lax-values.ts';

export class ChoiceFinishes {
  private readonly decoder = new Utf8Stream();
  private readonly splitter = new SseEventSplitter();
  /** Choices not finished yet: 0..n-1 from the start (one that sends nothing is unfinished too), and any other index that comes. */
  private readonly open = new Set<number>();
  private readonly finished = new Set<number>();
  /** An event outgrew the bound a watch holds: no verdict from here on. */
  private off = false;

  constructor(n: number) {
    for (let i = 0; i < n; i++) this.open.add(i);
  }

  /** The reader the watch reads: each read is seen here first. */
  wrap(reader: BodyReader): BodyReader {
    return {
      read: () =>
        reader.read().then((r) => {
          if (r.done) this.end();
          else this.push(r.value);
          return r;
        }),
      cancel: (reason) => reader.cancel(reason),
    };
  }

  /** False when a choice has not finished; undefined when tracking gave up (the last-event check decides). */
  allFinished(): boolean | undefined {
    return this.off ? undefined : this.open.size === 0;
  }

  /** One read's bytes (wrap feeds them; ext_proc, which has no reader, feeds each body chunk). */
  push(v: Uint8Array): void {
    if (this.off) return;
    for (const ev of this.splitter.push(this.decoder.decode(v))) this.event(ev);
    if (this.splitter.pendingLength > MAX_HELD_EVENT_CHARS) {
      this.off = true;
      this.splitter.release();
    }
  }

  /** The stream's end: an event not followed by a blank line counts too. */
  end(): void {
    if (this.off) return;
    for (const ev of this.splitter.push(this.decoder.decode(new Uint8Array(0), true))) this.event(ev);
    const rest = this.splitter.finish();
    if (rest) this.event(rest);
  }

  private event(ev: string): void {
    if (!ev.includes('choices')) return;
    const choices = parseEvent(ev).chunk?.choices;
    if (!Array.isArray(choices)) return;
    for (const c of choices) {
      if (!c || typeof c !== 'object') continue;
      const ch = c as Record<string, unknown>;
      const i = Number(ch.index ?? 0);
      if (ch.finish_reason != null) {
        this.finished.add(i);
        this.open.delete(i);
      } else if (!this.finished.has(i)) this.open.add(i);
    }
  }
}

/** n as vLLM reads it (pydantic's lax int: 2, "2", "2.0", "+2", true: lax-values.ts); 1 when absent or unreadable (the upstream judges those). */
export function choiceCount(n: unknown): number {
  const v = laxInt(n);
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 1 ? v : 1;
}
