// HTTP side of OpenAI-shaped errors. Unknown paths and unexpected failures answer in the same shape.
import type { Context } from 'hono';
import { errorBody, GatewayError } from '../pipeline/errors.ts';

export function errorResponse(status: number, message: string, type: string, code: string | number | null, param: string | null = null, headers: Record<string, string> = {}): Response {
  return new Response(errorBody(message, type, code, param), { status, headers: { ...headers, 'content-type': 'application/json' } });
}

export function fromGatewayError(err: GatewayError, headers: Record<string, string> = {}): Response {
  return errorResponse(err.status, err.message, err.type, err.code, err.param, headers);
}

/**
 * Not-found handler that tells a wrong method from an unknown path: a path some route serves under
 * other methods gets 405 with `Allow` (RFC 9110 15.5.6; GET implies HEAD, which Hono answers from GET
 * routes), anything else 404. `routes` is the app's route table (Hono's app.routes; all paths static).
 */
export function notFoundOrWrongMethod(routes: ReadonlyArray<{ method: string; path: string }>) {
  return (c: Context): Response => {
    const path = new URL(c.req.url).pathname;
    const methods = new Set(routes.filter((r) => r.path === path && r.method !== 'ALL').map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    if (methods.size) return methodNotAllowed(c.req.method, path, [...methods].join(', '));
    return errorResponse(404, `Unknown request URL: ${c.req.method} ${path}.`, 'invalid_request_error', 'unknown_url');
  };
}

export function methodNotAllowed(method: string, path: string, allow: string): Response {
  return errorResponse(405, `Method ${method} is not allowed on ${path}.`, 'invalid_request_error', 'method_not_allowed', null, { allow });
}
