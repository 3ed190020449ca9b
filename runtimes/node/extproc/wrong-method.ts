// Another method on a path the HTTP gateway serves itself (chat, the models list and its ids): the
// gateway answers 405 method_not_allowed (src/api/errors.ts notFoundOrWrongMethod), OpenAI-shaped, with
// Allow and the request id. Behind Envoy these went on to the engine, whose 405 is FastAPI's
// {"detail": "Method Not Allowed"}, which an OpenAI SDK reads no message from. Paths are matched as the
// engine routes them (routes.ts enginePath). OPTIONS on chat goes on (the gateway passes it on too). On
// the models routes a plain OPTIONS (which methods?) is the gateway's 204 with Allow, as Allow says
// OPTIONS is served there; a CORS preflight goes on, to the policy behind Envoy (its CORS filter or
// the engine's), as server.cors answers it first on the gateway.
import { requestIdFrom } from '../../../src/api/openai.ts';
import { errorBody } from '../../../src/pipeline/errors.ts';
import { CHAT_PATH, enginePath, MODELS_PATH } from './routes.ts';
import { immediateResponse, type ProcessingResponse } from './wire.ts';

/** The methods the gateway serves on `path` (an engine path), when it serves it itself. */
function allowedOn(path: string): string[] | undefined {
  if (path === CHAT_PATH) return ['POST', 'OPTIONS'];
  if (path === MODELS_PATH || path.startsWith(`${MODELS_PATH}/`)) return ['GET', 'HEAD', 'OPTIONS'];
  return undefined;
}

/** The gateway's 405 (or an OPTIONS' 204) for this request, or undefined where it goes on (its method served, or the path not the gateway's). */
export function wrongMethod(headers: Record<string, string>): ProcessingResponse | undefined {
  const method = headers[':method'] ?? '';
  const path = enginePath(headers[':path'] ?? '');
  const allow = allowedOn(path);
  if (!allow) return undefined;
  if (method === 'OPTIONS') {
    if (path === CHAT_PATH || headers['access-control-request-method'] !== undefined) return undefined;
    const head = { allow: allow.join(', '), 'x-request-id': requestIdFrom(headers['x-request-id']) };
    return immediateResponse({ status: 204, headers: head, contentType: '', body: '', reason: 'options' });
  }
  if (allow.includes(method)) return undefined;
  const requestId = requestIdFrom(headers['x-request-id']);
  // (Envoy admits only token methods; anything else is not echoed.)
  const said = /^[A-Za-z]{1,16}$/.test(method) ? `Method ${method}` : 'This method';
  const body = errorBody(`${said} is not allowed on ${path}.`, 'invalid_request_error', 'method_not_allowed');
  return immediateResponse({ status: 405, headers: { allow: allow.join(', '), 'x-request-id': requestId }, contentType: 'application/json', body, reason: 'method_not_allowed' });
}
