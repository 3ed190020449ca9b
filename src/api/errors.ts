// HTTP side of OpenAI-shaped errors. Unknown paths and unexpected failures answer in the same shape.
import type { Context } from 'hono';
import { errorBody, GatewayError } from '../pipeline/errors.ts';

export function errorResponse(status: number, message: string, type: string, code: string | number | null, param: string | null = null, headers: Record<string, string> = {}): Response {
  return new Response(errorBody(message, type, code, param), { status, headers: { ...headers, 'content-type': 'application/json' } });
}

export function fromGatewayError(err: GatewayError, headers: Record<string, string> = {}): Response {
  return errorResponse(err.status, err.message, err.type, err.code, err.param, headers);
}

export function notFound(c: Context): Response {
  return errorResponse(404, `Unknown request URL: ${c.req.method} ${new URL(c.req.url).pathname}.`, 'invalid_request_error', 'unknown_url');
}

export function methodNotAllowed(method: string, path: string): Response {
  return errorResponse(405, `Method ${method} is not allowed on ${path}.`, 'invalid_request_error', 'method_not_allowed');
}
