// How a forwarded answer that fails after its head is told: the same for chat (forward.ts) and the
// passed-through routes (api/passthrough-forward.ts), so metrics, logs and the client's last event agree.
import type { AppDeps } from '../deps.ts';
import { errorBody } from '../pipeline/errors.ts';
import { UpstreamIdleError } from './idle.ts';
import type { CancelSignal } from './types.ts';

export type StreamFailure = 'cancellation' | 'timeout' | 'upstream_5xx';

/** The llm_request_errors_total reason of a failed answer body. The upstream's own failure (a cut
 *  connection, a corrupt body) is logged with why, for the operator: the client sees only the cut,
 *  and the runtime's server does not print it (runtimes/node/stream-body.ts). */
export function streamFailure(deps: AppDeps, err: unknown, cancelled: boolean | undefined, signal: CancelSignal | undefined, requestId: string, endpoint: string | undefined): StreamFailure {
  const reason: StreamFailure = cancelled || signal?.aborted ? 'cancellation' : err instanceof UpstreamIdleError ? 'timeout' : 'upstream_5xx';
  if (reason === 'upstream_5xx') {
    const e = err as { message?: string; code?: string } | undefined;
    deps.logger.warn({ request_id: requestId, endpoint, err: e?.message ?? String(err), code: e?.code }, 'upstream answer failed mid-stream');
  }
  return reason;
}

/** The OpenAI-shaped error event a stalled or cut SSE answer ends with (SDKs raise it as an APIError),
 *  rather than a bare cut the client cannot tell from a network fault, or, on workerd, from a normal end. */
export function streamErrorEvent(err: unknown): string {
  if (err instanceof UpstreamIdleError) return `data: ${errorBody(`The upstream sent nothing for ${err.ms} ms.`, 'timeout_error', 'upstream_idle_timeout')}\n\n`;
  return `data: ${errorBody('The upstream answer ended before it was complete.', 'upstream_error', 'upstream_stream_cut')}\n\n`;
}
