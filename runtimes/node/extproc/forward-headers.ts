// The headers ext_proc sets on a request it forwards (its routing decision), and those it removes from
// every request: split out of exchange.ts.
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

/**
 * A client's copy of what only semroute sets (the decision, the ORIGINAL_DST endpoint) never goes
 * upstream, whatever the path, as on the gateway (upstream/headers.ts GATEWAY_OWNED). A chat answer is
 * read (taps, usage): asked for uncompressed, as the gateway asks, here since body-time header
 * mutations apply in BUFFERED mode only.
 */
export function ownedHeaders(headers: Record<string, string>, chat: boolean, destinationHeader: string): string[] {
  const owned = Object.keys(headers).filter((k) => k === 'x-selected-model' || k === destinationHeader || k.startsWith('x-vsr-'));
  if (chat && 'accept-encoding' in headers) owned.push('accept-encoding');
  return owned;
}
