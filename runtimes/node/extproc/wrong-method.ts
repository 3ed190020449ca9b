// Another method on a path the HTTP gateway serves itself (chat, the models list and its ids): the
// gateway answers 405 method_not_allowed (src/api/errors.ts notFoundOrWrongMethod), OpenAI-shaped, with
// Allow and the request id. Behind Envoy these went on to the engine, whose 405 is FastAPI's
// {"detail": "Method Not Allowed"}, which an OpenAI SDK reads no message from. Paths are matched as the
// engine routes them (routes.ts enginePath). OPTIONS goes on: a CORS preflight the engine's policy
// answers (on chat the gateway passes it on too; on the models routes the gateway answers it 405).
import { requestIdFrom } from '../../../src/api/openai.ts';
import { errorBody } from '../../../src/pipeline/errors.ts';
import { CHAT_PATH, enginePath, MODELS_PATH } from './routes.ts';
import { immediateResponse, type ProcessingResponse } from './wire.ts';

/** The methods the gateway serves on `path` (an engine path), when it serves it itself. */
function allowedOn(path: string): string[] | undefined {
  if (path === CHAT_PATH) return ['POST', 'OPTIONS'];
  if (path === MODELS_PATH || path.startsWith(`${MODELS_PATH}/`)) return ['GET', 'HEAD'];
  return undefined;
}

/** The gateway's 405 for this request, or undefined where its method is served (or the path is not the gateway's). */
export function wrongMethod(headers: Record<string, string>): ProcessingResponse | undefined {
  const method = headers[':method'] ?? '';
  const path = enginePath(headers[':path'] ?? '');
  const allow = allowedOn(path);
  if (!allow || allow.includes(method) || method === 'OPTIONS') return undefined;
  const requestId = requestIdFrom(headers['x-request-id']);
  // (Envoy admits only token methods; anything else is not echoed.)
  const said = /^[A-Za-z]{1,16}$/.test(method) ? `Method ${method}` : 'This method';
  const body = errorBody(`${said} is not allowed on ${path}.`, 'invalid_request_error', 'method_not_allowed');
  return immediateResponse({ status: 405, headers: { allow: allow.join(', '), 'x-request-id': requestId }, contentType: 'application/json', body, reason: 'method_not_allowed' });
}
