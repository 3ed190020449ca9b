// The headers ext_proc sets on a request it forwards (its routing decision): split out of exchange.ts.
import type { ChatOutcome } from './port.ts';
import { CHAT_PATH } from './routes.ts';

type Forward = Extract<ChatOutcome, { kind: 'forward' }>;

export function forwardHeaders(f: Forward, opts: { destinationHeader: string; rewritePath: boolean }): Record<string, string> {
  const set: Record<string, string> = {
    ...f.traceHeaders,
    ...f.responseHeaders,
    'x-selected-model': f.model,
    'x-request-id': f.requestId,
    // BUFFERED + SEND header mode: Envoy rejects a body mutation whose content-length does not match.
    'content-length': String(f.body.length),
  };
  if (f.endpoint) set[opts.destinationHeader] = f.endpoint;
  if (opts.rewritePath) set[':path'] = CHAT_PATH;
  return set;
}
