// createApp: the one Hono app every runtime serves. Runtimes inject engines, upstream client,
// cache, logger and metrics through AppDeps; nothing here touches a runtime API.
import { Hono, type Context, type Next } from 'hono';
import type { AppDeps } from './deps.ts';
import { registerOpenAI, requestIdFrom } from './api/openai.ts';
import { registerClassify } from './api/classify.ts';
import { registerOps } from './api/ops.ts';
import { registerOpenApi } from './api/openapi.ts';
import { registerPassthrough } from './api/passthrough.ts';
import { registerCors } from './api/cors.ts';
import { errorResponse, notFoundOrWrongMethod } from './api/errors.ts';
import { EndpointPool } from './upstream/pool.ts';

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const pool = new EndpointPool(deps.config, deps.clock);
  app.use('*', headLength);
  // Before the routes, so a preflight is answered here, not by them (server.cors; unset: nothing added).
  registerCors(app, deps.config);
  registerOps(app, deps);
  registerOpenApi(app, deps);
  registerOpenAI(app, deps, pool);
  registerClassify(app, deps);
  // After the gateway's own routes: a configured path that is one of them stays the gateway's.
  registerPassthrough(app, deps, pool, app.routes);
  // The id on a 404/405 too: a client that sends its id to correlate gets it back on these answers as on the route's others.
  const notFound = notFoundOrWrongMethod(app.routes);
  app.notFound((c) => withRequestId(notFound(c), requestIdFrom(c.req.header('x-request-id'))));
  app.onError((err, c) => {
    // Never a stack trace or request text in the answer. Nor in the log: an error's message and the
    // raw path can quote the request (personal data), so the log gets the error's name, the route
    // pattern that matched, and the stack's frames without its first (message) line.
    const frames = err instanceof Error && err.stack ? err.stack.split('\n').slice(1, 9).map((f) => f.trim()) : [];
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    deps.logger.error({ request_id: requestId, err: err instanceof Error ? err.name : typeof err, route: c.req.routePath, frames }, 'unhandled error');
    return errorResponse(500, 'The server had an error while processing your request.', 'server_error', 'internal_error', null, { 'x-request-id': requestId });
  });
  return app;
}

function withRequestId(res: Response, id: string): Response {
  res.headers.set('x-request-id', id);
  return res;
}

/**
 * HEAD gets GET's header fields (RFC 9110 9.3.2), Content-Length included: Hono answers HEAD from the
 * GET route and drops the body, and the length went with it (node:http and workerd count it from the
 * body). The gateway's GET answers are small JSON or text; a passed-through HEAD (server.passthrough_paths)
 * comes back from the upstream without a body and is left as it is, as is an event stream.
 */
async function headLength(c: Context, next: Next): Promise<void> {
  await next();
  if (c.req.method !== 'HEAD' || !c.res.body || c.res.headers.has('content-length') || c.res.headers.get('content-type')?.startsWith('text/event-stream')) return;
  const bytes = await c.res.arrayBuffer();
  const headers = new Headers(c.res.headers);
  headers.set('content-length', String(bytes.byteLength));
  c.res = new Response(null, { status: c.res.status, statusText: c.res.statusText, headers });
}
