// Cloudflare Workers entry: the same Hono app as Node (src/app.ts), built once per isolate on the
// first request (packs load lazily from static assets or R2, sessions stay for the isolate's life).
// Engine: onnxruntime-web, WebGPU where navigator.gpu exists, WASM otherwise (ort-web-engine.ts).
import type { Hono } from 'hono';
import { createApp } from '../../src/app.ts';
import { errorResponse } from '../../src/api/errors.ts';
import { requestIdFrom } from '../../src/api/openai.ts';
import { ConfigError } from '../../src/config/load.ts';
import { safeConfigErrorText } from '../../src/config/safe-errors.ts';
import { createWebEngine } from './ort-web-engine.ts';
import { workerdOrt } from './ort-wasm.ts';
import { buildWorkerDeps, type WorkerEnv } from './deps.ts';

export type { WorkerEnv } from './deps.ts';
// The shared semantic cache's Durable Object class (wrangler.jsonc durable_objects binds it).
export { SemanticCacheStore } from './cache-store.ts';

interface ExecutionContextLike {
  waitUntil(p: Promise<unknown>): void;
  passThroughOnException(): void;
}

// One app per distinct configuration. A deployment has exactly one; tests drive several.
const apps = new Map<string, Promise<Hono>>();

const configKey = (env: WorkerEnv) =>
  JSON.stringify([env.SEMROUTE_CONFIG ?? '', env.SEMROUTE_UPSTREAM ?? '', env.SEMROUTE_PACKS_SOURCE ?? '', env.SEMROUTE_PACKS_PREFIX ?? '', env.SEMROUTE_EP ?? '', env.LOG_LEVEL ?? '']);

export function appFor(env: WorkerEnv): Promise<Hono> {
  const key = configKey(env);
  let app = apps.get(key);
  if (!app) {
    app = buildWorkerDeps(env, (prefer, logger) => createWebEngine(workerdOrt(), { prefer, logger })).then(createApp);
    // A failed start (bad config, unreadable assets) is retried by the next request, not cached.
    app.catch(() => apps.delete(key));
    apps.set(key, app);
  }
  return app;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContextLike): Promise<Response> {
    let app: Hono;
    try {
      app = await appFor(env);
    } catch (err) {
      // Not to be echoed to clients. A config error is logged by key path, line and problem, never
      // the config's text (a YAML excerpt or a received value may be a secret): safe-errors.ts.
      const text = err instanceof ConfigError ? safeConfigErrorText(err) : err instanceof Error ? err.message : String(err);
      // The request id, as on every other error answer: the client's (or a fresh one), also on the line.
      const requestId = requestIdFrom(request.headers.get('x-request-id'));
      console.error(JSON.stringify({ level: 'error', service: 'semroute', runtime: 'worker', request_id: requestId, msg: 'start-up failed', err: text }));
      return errorResponse(503, 'The router is not configured correctly; see the Worker logs.', 'server_error', 'startup_failed', null, { 'x-request-id': requestId });
    }
    return app.fetch(request, env, ctx as never);
  },
};
