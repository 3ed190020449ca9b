// A client asked for a stream and the upstream answered 200 with JSON (an engine or proxy that
// ignores `stream`). An SSE client reads such a body as a stream with no event: the `openai` SDK
// ends silently with nothing, so the answer (or the error) was lost. The client gets the completion
// as the chunks of a stream ending in [DONE], as a cache hit is replayed (cache/sse.ts), and an error
// object as the error event vLLM sends inside a stream, which SDKs raise.
import { toSseBody } from '../cache/sse.ts';
import { isErrorChunk } from './sse-events.ts';

/** The SSE body for a JSON answer to a stream request; undefined for JSON that is neither (passed on as it came). */
export function sseForJson(obj: Record<string, unknown>, includeUsage: boolean): { body: string; errored: boolean } | undefined {
  if (obj.object === 'chat.completion' && Array.isArray(obj.choices)) return { body: toSseBody(obj, undefined, { includeUsage }), errored: false };
  if (!isErrorChunk(obj)) return undefined;
  // vLLM's own error body ({"object": "error", "message": ...}) has no `error` key, which SDKs look for.
  const error = obj.error && typeof obj.error === 'object' ? obj.error : { message: obj.message, type: obj.type, param: obj.param ?? null, code: obj.code };
  return { body: `data: ${JSON.stringify({ error })}\n\ndata: [DONE]\n\n`, errored: true };
}
