// Envoy's response_header_mode SKIP: the answer's body comes to ext_proc (per its response_body_mode)
// but its head never does. Left unread, a chat answer lost its PII restore (the client got the
// placeholders), its cache record, its clean-end check, and its request log line. So the head is taken
// from the body: an event stream is a 200 answer (an engine answers its errors as JSON), and a JSON
// body is read whole, its status then told by what it is (a completion: 200; an error body: its code).
import type { Logger } from '../../../src/observability/types.ts';
import { looksLikeSse } from './stream-usage.ts';

export const SSE_HEAD = { ':status': '200', 'content-type': 'text/event-stream' };
export const JSON_HEAD = { ':status': '200', 'content-type': 'application/json' };

/** The head the first body chunk implies; undefined for a body that is neither (it goes by unread). */
export function headFromBody(part: Uint8Array | undefined): Record<string, string> | undefined {
  if (!part?.byteLength) return undefined;
  if (looksLikeSse(part)) return SSE_HEAD;
  for (const b of part) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b ? JSON_HEAD : undefined; // '{'
  }
  return undefined;
}

/** A JSON answer's status when its head was not sent: a completion (choices) 200, an error body its code (vLLM's `code`, OpenAI's `error.code`) when one, else 0 (unknown). */
export function statusOfJson(answer: Record<string, unknown>): number {
  if (Array.isArray(answer.choices)) return 200;
  const err = answer.error && typeof answer.error === 'object' ? (answer.error as Record<string, unknown>) : undefined;
  const code = Number(err?.code ?? answer.code);
  return Number.isInteger(code) && code >= 400 && code < 600 ? code : 0;
}

const warned = new WeakSet<Logger>();

/** Said once per logger (a config generation), not per request: the operator's filter setting is the cause. */
export function warnSkippedHead(logger: Logger): void {
  if (warned.has(logger)) return;
  warned.add(logger);
  logger.warn({}, 'ext_proc: response headers not sent (response_header_mode SKIP): the answer\'s status is taken from its body and the decision headers (x-vsr-*) cannot be set on it; set response_header_mode SEND');
}

const warnedRequest = new WeakSet<Logger>();

/**
 * A request body with no request headers before it (request_header_mode SKIP): its route (:path,
 * :method) is unknown, so it is not read (no routing, no guard) and goes on as it came. Said once per
 * logger, since the filter's setting is the cause; counted per request (outcome no_request_headers).
 */
export function warnSkippedRequestHead(logger: Logger, count: (outcome: string) => void): void {
  count('no_request_headers');
  if (warnedRequest.has(logger)) return;
  warnedRequest.add(logger);
  logger.warn({}, 'ext_proc: a request body came without its headers (request_header_mode SKIP): its route is unknown, so it goes on unread (no routing, no guard); set request_header_mode SEND');
}
