// The answer a cache hit gives: the stored completion as JSON, or as SSE for a streaming client
// (recorded events verbatim when the answer was streamed), with the reference's headers.
import type { ImmediateResponse } from '../pipeline/context.ts';
import { toSseBody } from './sse.ts';
import type { CacheHit } from './types.ts';

export function cacheHitResponse(hit: CacheHit, opts: { stream: boolean; includeUsage?: boolean }): ImmediateResponse<'cache_hit'> {
  const headers = { 'x-vsr-cache-hit': 'true', 'x-vsr-cache-similarity': hit.similarity.toFixed(4) };
  const completion = hit.answer.completion as Record<string, unknown>;
  if (opts.stream) {
    return {
      status: 200,
      headers: { ...headers, 'cache-control': 'no-cache' },
      contentType: 'text/event-stream',
      body: toSseBody(completion, hit.answer.sse, { includeUsage: opts.includeUsage }),
      reason: 'cache_hit',
    };
  }
  return { status: 200, headers, contentType: 'application/json', body: JSON.stringify(completion), reason: 'cache_hit' };
}
