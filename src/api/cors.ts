// server.cors: the gateway's own CORS policy, so a browser app can call the OpenAI routes and the
// classification API directly. Without the key nothing is registered: no work per request, and a chat
// preflight goes on to the engine as before (passthrough.ts). With it, semroute answers every
// preflight on those routes itself (204: never forwarded, classified or counted), and its answers
// carry Access-Control-Allow-Origin and -Expose-Headers for an allowed origin only.
import type { Hono, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Config } from '../config/schema.ts';
import type { CorsConfig } from '../config/sections/cors.ts';
import { sessionHeader } from '../cache/plan.ts';
import { requestIdFrom } from './openai.ts';

/** Request headers a browser chat client sends besides the safelisted ones; the session header(s) join them. */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'x-request-id', 'x-vsr-cache-control'];

/** The answer headers that say what the gateway did (route, guard, cache), for a browser app to read. */
export const CORS_EXPOSE_HEADERS = [
  'x-request-id',
  'x-selected-model',
  'x-vsr-selected-category',
  'x-vsr-selected-model',
  'x-vsr-selected-reasoning',
  'x-vsr-injected-system-prompt',
  'x-vsr-cache-hit',
  'x-vsr-cache-similarity',
  'x-vsr-jailbreak-blocked',
  'x-vsr-jailbreak-flagged',
  'x-vsr-jailbreak-type',
  'x-vsr-jailbreak-confidence',
  'x-vsr-pii-violation',
  'x-vsr-pii-redacted',
  'x-vsr-guard-partial',
];

/**
 * The routes a browser app calls: the OpenAI ones (chat, models, the passed-through paths) and the
 * classification API (/api/v1/..., /info/...). Health, readiness and metrics are for probes and
 * scrapers, not browsers, and keep no policy.
 */
export function corsCovers(passthrough: readonly string[]): (path: string) => boolean {
  const listed = new Set(passthrough);
  return (path) => path.startsWith('/v1/') || path === '/api/v1' || path.startsWith('/api/v1/') || path.startsWith('/info/') || listed.has(path);
}

export function registerCors(app: Hono, config: Config): void {
  const policy = config.server.cors;
  if (!policy) return;
  const session = new Set([config.session_key.toLowerCase(), ...(config.semantic_cache ? [sessionHeader(config, config.semantic_cache)] : [])]);
  const handler = corsHandler(policy, [...session]);
  const covers = corsCovers(config.server.passthrough_paths);
  // One '*' entry, not one per path: registerPassthrough takes a path already in app.routes (a
  // middleware's too) for the gateway's own and would stop forwarding /rerank, /version, ...
  app.use('*', (c, next) => (covers(c.req.path) ? handler(c, next) : next()));
}

export function corsHandler(p: CorsConfig, sessionHeaders: readonly string[]): MiddlewareHandler {
  const any = p.allow_origins.includes('*');
  const origins = new Set(p.allow_origins);
  const allowed = (o: string | undefined): o is string => o !== undefined && (any || origins.has(o.toLowerCase()));
  const allowHeaders = p.allow_headers ?? [...new Set([...CORS_ALLOW_HEADERS, ...sessionHeaders])];
  const expose = (p.expose_headers ?? CORS_EXPOSE_HEADERS).join(', ');
  // Hono's own middleware answers the preflight (methods, headers, max-age, Vary). The actual answer
  // is done below instead: Hono's sets Expose-Headers and Allow-Credentials for any origin, and leaves
  // the engine's own access-control-* headers on a forwarded answer.
  const preflight = cors({
    origin: any ? '*' : (o) => (allowed(o) ? o : null),
    allowMethods: p.allow_methods,
    // Empty: Hono echoes the preflight's Access-Control-Request-Headers, which is what ["*"] means
    // here (a literal * would not cover Authorization, nor anything on a credentialed request).
    allowHeaders: allowHeaders.includes('*') ? [] : allowHeaders,
    maxAge: p.max_age,
    credentials: p.allow_credentials,
  });
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') {
      c.header('x-request-id', requestIdFrom(c.req.header('x-request-id')));
      // Answers 204 itself; `next` (the route, a forward to the engine) is never called.
      return preflight(c, next);
    }
    await next();
    const h = c.res.headers;
    // A passed-through answer can carry the engine's policy (vLLM allows every origin by default):
    // this one replaces it, or a disallowed origin would still read the answer.
    for (const k of [...h.keys()]) if (k.startsWith('access-control-')) h.delete(k);
    // Even with "*": Allow-Origin goes only on a request that has an Origin, so a shared cache must
    // not hand a browser an answer stored for a client without one.
    if (!/(^|,)\s*origin\s*(,|$)/i.test(h.get('vary') ?? '')) h.append('vary', 'Origin');
    const o = c.req.header('origin');
    if (!allowed(o)) return;
    h.set('access-control-allow-origin', any ? '*' : o);
    if (p.allow_credentials) h.set('access-control-allow-credentials', 'true');
    if (expose) h.set('access-control-expose-headers', expose);
  };
}
