// What the forwarder hears of a watched SSE answer (sse.ts watchReader) and what it asks of it: the
// answer's first byte, its end or failure, the event a failed answer ends with, and how the client's
// stream is shaped (usage taken out, whole events only, whether a clean end or [DONE] ends it).

export interface StreamWatch {
  /** The answer's first bytes; with firstData, its first data line (SSE comments before it are no token). */
  onFirstByte(): void;
  /** An SSE answer: onFirstByte waits for a data line (sse-first-data.ts). */
  readonly firstData?: boolean;
  /** Called once when the upstream stream ends cleanly (not on cancel or error). */
  /** `errored`: an error event came in place of a chunk (sse-events.ts isErrorChunk). */
  onEnd(info: { events: string[]; last?: Record<string, unknown>; completion?: Record<string, unknown>; oversized?: boolean; errored?: boolean }): void;
  /**
   * Called once when a read of the upstream fails, or when the reader is cancelled before the end
   * (the client left: `cancelled` true; on workerd no request signal says so, only this cancel).
   */
  onError(err: unknown, cancelled?: boolean): void;
  /** After onError: SSE text to end the stream with (then close) instead of erroring it. */
  endWith?(err: unknown): string | undefined;
  /**
   * false: onEnd's `events` and `completion` are not wanted (given empty / undefined), so a rewriting
   * watch neither keeps every event nor parses them all again at the end. The forwarder says so when
   * no done tap (the cache store) reads the answer; `last` (usage) and `errored` are given as always.
   */
  readonly events?: boolean;
  /** Once, when rewriting stopped because one event outgrew its bound (sse-events.ts): the rest passes untouched. */
  onRewriteStopped?(): void;
  /**
   * The gateway asked for the usage the client did not (usage-strip.ts): it is read as usual (`last`,
   * the recorded events), then taken out of what the client gets.
   */
  readonly stripUsage?: boolean;
  /**
   * The client gets whole SSE events only: a partial one is held until its blank line (usage-strip.ts,
   * without the strip), so that when the upstream fails mid-event `endWith`'s event stands alone.
   */
  readonly wholeEvents?: boolean;
  /**
   * Whether an answer that ended cleanly is whole, by its last event with a data line (undefined:
   * none came; stream-whole.ts). false: the end is a cut (onError, endWith's event), not an end.
   */
  whole?(lastData: string | undefined): boolean;
  /**
   * [DONE] ends the answer (sse-done.ts): the client's stream ends with it and onEnd runs; the rest
   * of the upstream answer is read and dropped in the background, its failure or silence ignored.
   */
  readonly doneEnds?: boolean;
}
