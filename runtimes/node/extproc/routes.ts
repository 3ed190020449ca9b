// Which route an ext_proc stream is, from its request headers, as the engine behind Envoy routes it.

// generate: a passed-through generation route a guard reads (/v1/completions, ...): read, not rewritten.
export type Route = 'chat' | 'models' | 'generate' | 'other';

export const CHAT_PATH = '/v1/chat/completions';
export const MODELS_PATH = '/v1/models';

export function routeOf(method: string, path: string): Route {
  const p = enginePath(path);
  if (method === 'POST' && p === CHAT_PATH) return 'chat';
  // HEAD as GET, as the gateway answers it (Envoy's local reply to a HEAD drops the body).
  if ((method === 'GET' || method === 'HEAD') && (p === MODELS_PATH || p.startsWith(`${MODELS_PATH}/`))) return 'models';
  return 'other';
}

/** The id of a `GET /v1/models/{id}` path (decoded, so `vllm-sr%2Fauto` is `vllm-sr/auto`); undefined for the list. */
export function modelIdOf(path: string): string | undefined {
  const p = enginePath(path);
  return p.startsWith(`${MODELS_PATH}/`) ? p.slice(MODELS_PATH.length + 1) : undefined;
}

/**
 * :path as the engine's server routes it. Envoy passes it on as the client wrote it (normalize_path is
 * off by default) and uvicorn decodes percent-escapes (%2F included) before Starlette matches, so
 * '/v1/chat/%63ompletions' is chat to vLLM; compared as written it skipped the guards. Escapes decoded
 * once, dot segments resolved, empty segments and the query dropped.
 */
export function enginePath(path: string): string {
  let p = path.split('?')[0]!;
  try {
    p = decodeURIComponent(p);
  } catch {
    // A malformed escape: compared as written.
  }
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}
