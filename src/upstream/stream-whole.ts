// Whether a chat (or completions) stream that ended cleanly at the HTTP level is a whole answer. A close-delimited
// body whose connection closes, or a proxy that ends its chunked body when its own upstream fails,
// ends like a finished answer; the `openai` SDK then ends the stream silently and the client takes
// the truncated text for all of it. vLLM ends every chat stream with [DONE], after the chunk that
// finishes each choice (and the usage chunk when asked), so an answer whose last data event is none
// of these was cut: the watch (sse.ts) handles it as a cut stream (error event, metrics, log).
import { parseEvent } from './sse-events.ts';

/** A stream that ended cleanly before it was whole (see chatStreamWhole). */
export class UpstreamIncompleteError extends Error {
  constructor() {
    super('the upstream answer ended without [DONE] or a finish_reason');
    this.name = 'UpstreamIncompleteError';
  }
}

/**
 * By the stream's last event with a data line (undefined: none came): [DONE], a chunk with a
 * finish_reason on some choice, or one with usage (sent after every choice finished). With n > 1 the
 * last chunk says only that some choice finished: `choices` (choice-finish.ts) has seen each choice's
 * finish or not, so a choice cut while another finished last is a cut too (no verdict: the last chunk's).
 */
export function chatStreamWhole(lastData: string | undefined, choices?: { allFinished(): boolean | undefined }): boolean {
  if (lastData === undefined) return false;
  const ev = parseEvent(lastData);
  if (ev.data === '[DONE]') return true;
  const c = ev.chunk;
  if (!c) return false;
  const last = !!c.usage || (Array.isArray(c.choices) && c.choices.some((x) => !!x && typeof x === 'object' && (x as Record<string, unknown>).finish_reason != null));
  return last && choices?.allFinished() !== false;
}

/**
 * The last event of `text` (SSE, any line ends) that has a data line, line ends as \n; undefined
 * when there is none. `whole` false: `text` is the stream's tail and may begin inside an event, so
 * one not preceded by a blank line in it is no verdict (null).
 */
export function lastDataEvent(text: string, whole: boolean): string | undefined | null {
  const events = text.replace(/\r\n?/g, '\n').split('\n\n');
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i]!.trim();
    if (!/(^|\n)data:/.test(ev)) continue;
    return i > 0 || whole ? ev : null;
  }
  return whole ? undefined : null;
}
