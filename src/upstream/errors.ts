// An upstream error answer, made OpenAI-shaped whatever the upstream sent (vLLM, the Production
// Stack router and proxies each phrase errors differently).
import { errorBody } from '../pipeline/errors.ts';

export function upstreamError(status: number, text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const obj = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  const err = obj?.error;
  if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string') {
    const e = err as Record<string, unknown>;
    return errorBody(String(e.message), typeof e.type === 'string' ? e.type : typeForStatus(status), (e.code as string | number | null) ?? status);
  }
  const message =
    (typeof err === 'string' && err) ||
    (typeof obj?.message === 'string' && obj.message) ||
    (typeof obj?.detail === 'string' && obj.detail) ||
    `The upstream answered with HTTP ${status}.`;
  return errorBody(message, typeForStatus(status), status);
}

export function typeForStatus(status: number): string {
  if (status === 404) return 'not_found_error';
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'upstream_error';
  return 'invalid_request_error';
}
