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
 * routes), anything else 404; OPTIONS there is 204 with the same Allow, which lists OPTIONS. `routes` is the app's route table (Hono's app.routes): static paths, and
 * params as `:id` or `:id{regex}` (`/v1/models/:id{.+}`: DELETE /v1/models/MoM is 405, not 404).
 */
export function notFoundOrWrongMethod(routes: ReadonlyArray<{ method: string; path: string }>) {
  // Built at the first miss: by then every route is registered.
  let matchers: Array<{ method: string; test: (path: string) => boolean }> | undefined;
  return (c: Context): Response => {
    const path = new URL(c.req.url).pathname;
    matchers ??= routes.map((r) => ({ method: r.method, test: pathMatcher(r.path) }));
    const methods = new Set(matchers.filter((r) => r.method !== 'ALL' && r.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    // OPTIONS asks which methods the resource takes (RFC 9110 9.3.7): answered, not refused. Reached
    // only without a CORS policy for the path (server.cors answers it first) and on routes the gateway
    // answers itself (chat's OPTIONS goes to the engine): no CORS header, so a browser's preflight
    // fails as one the gateway has no policy for. Answered on every served path, so Allow names it
    // (RFC 9110 10.2.1: the methods the resource supports).
    if (methods.size) methods.add('OPTIONS');
    if (methods.size && c.req.method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow: [...methods].join(', ') } });
    if (methods.size) return methodNotAllowed(c.req.method, path, [...methods].join(', '));
    return errorResponse(404, `Unknown request URL: ${c.req.method} ${path}.`, 'invalid_request_error', 'unknown_url');
  };
}

function pathMatcher(route: string): (path: string) => boolean {
  if (!route.includes(':')) return (path) => path === route;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const source = route
    .split(/(:\w+(?:\{[^}]*\})?)/)
    .map((part) => {
      if (!part.startsWith(':')) return escape(part);
      const brace = part.indexOf('{');
      return '(?:' + (brace < 0 ? '[^/]+' : part.slice(brace + 1, -1)) + ')';
    })
    .join('');
  const re = new RegExp(`^${source}$`);
  return (path) => re.test(path);
}

export function methodNotAllowed(method: string, path: string, allow: string): Response {
  return errorResponse(405, `Method ${method} is not allowed on ${path}.`, 'invalid_request_error', 'method_not_allowed', null, { allow });
}
