// A request without `stream` answered 200 with an event stream (an engine or proxy that streams
// whatever was asked). Sent on as it came, the `openai` SDK's non-stream create() returned the SSE
// text as a string, and the JSON taps (PII restore) and token metering never saw a completion. The
// events are assembled into the chat.completion a JSON client expects, as a cached stream is served
// to one (cache/sse.ts); a stream that failed or is not whole cannot be, and is the caller's 502.
import { assembleChunks, splitSse, ssePayloads } from '../cache/sse.ts';
import { isErrorChunk } from './sse-events.ts';

type Obj = Record<string, unknown>;

export type StreamAsJson =
  | { completion: Obj }
  /** The stream's error event (vLLM's {"error": {...}} or {"object": "error", ...}). */
  | { error: Obj }
  /** Why no whole completion came of it. */
  | { incomplete: string };

/** The chat.completion an SSE body (read whole) carries, its error, or why it is not whole. */
export function completionFromStream(text: string): StreamAsJson {
  const events = splitSse(text);
  let done = false;
  for (const p of ssePayloads(events)) {
    if (p === '[DONE]') done = true;
    // Only a payload naming "error" can be an error object: the token chunks are not parsed twice.
    else if (p.includes('"error"')) {
      const o = parse(p);
      if (o && isErrorChunk(o)) return { error: o };
    }
  }
  const completion = assembleChunks(events);
  if (!completion) return { incomplete: events.length ? 'an event that is no JSON chunk' : 'no event' };
  const choices = completion.choices as Obj[];
  if (!choices.length) return { incomplete: 'no choice' };
  // Whole as a stream is (stream-whole.ts): [DONE], else every choice finished (n > 1: each of them).
  if (!done && choices.some((c) => c.finish_reason == null)) return { incomplete: 'it ended before [DONE] or a finish_reason' };
  return { completion };
}

function parse(p: string): Obj | undefined {
  try {
    const o: unknown = JSON.parse(p);
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Obj) : undefined;
  } catch {
    return undefined;
  }
}
