// What a request whose body stopped being read is logged and counted as. The client's signal aborts
// either because the client left (499 client_closed_request, reason "cancellation") or because the
// server's own request timeout cut a body that came too slowly (Node has answered 408 itself): then the
// runtime's signal carries REQUEST_TIMEOUT as its reason, and the request is a timeout, not a cancel.
import type { CancelSignal } from '../upstream/types.ts';

/** The reason a runtime's client signal carries when the server's request timeout ended the request. */
export const REQUEST_TIMEOUT = 'request_timeout';

export interface CancelOutcome {
  status: 408 | 499;
  /** llm_request_errors_total's reason: one of a bounded set. */
  reason: 'request_timeout' | 'cancellation';
  /** The error code of the answer and of the log line. */
  code: 'request_timeout' | 'client_closed_request';
  message: string;
}

const TIMED_OUT: CancelOutcome = { status: 408, reason: 'request_timeout', code: 'request_timeout', message: 'The request did not arrive in time.' };
const CANCELLED: CancelOutcome = { status: 499, reason: 'cancellation', code: 'client_closed_request', message: 'The client closed the request.' };

export function cancelOutcome(signal: CancelSignal | undefined): CancelOutcome {
  return signal?.reason === REQUEST_TIMEOUT ? TIMED_OUT : CANCELLED;
}
