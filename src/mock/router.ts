// A mock of the vLLM Production Stack router (itty-router, runtime-agnostic): /v1/models,
// /v1/chat/completions and /v1/completions with JSON and SSE answers naming the serving model,
// /v1/embeddings, 404 for a model it does not serve. Switches for tests and dev, per request
// (headers) or for every request (options):
//   x-mock-delay-ms: wait before the response headers (a client that leaves meanwhile ends the wait
//     and marks the record cancelled, so tests can check the gateway cancels its upstream request)
//   x-mock-chunk-delay-ms: wait between SSE chunks
//   x-mock-status: answer with this HTTP status and an error body
//   x-mock-drop: "mid" ends the SSE stream abruptly after the first chunks
//   x-mock-echo: "body" answers (JSON) with the request body's text as the message content, so a
//     test on another runtime (workerd) sees exactly what reached the upstream
//     ("connect", closing the socket before any byte, is handled by the Node server wrapper).
import { Router, json } from 'itty-router';
import { completionChunks, completionJson, countPromptTokens } from './answers.ts';
import { DEFAULT_MOCK_MODELS, intake, type MockOptions, type MockRequestRecord } from './intake.ts';
import { sseAnswer } from './stream.ts';
// Read as vLLM reads it (pydantic's lax bool, default true): Boolean() took "false" for true.
import { includeUsage } from '../pipeline/request.ts';
import type { ChatBody } from '../pipeline/context.ts';
import { registerCompletionsAndEmbeddings } from './completions-embeddings.ts';

export { DEFAULT_MOCK_MODELS, type MockOptions, type MockRequestRecord } from './intake.ts';

export interface MockRouter {
  fetch(req: Request): Promise<Response>;
  requests: MockRequestRecord[];
  options: MockOptions;
}

export function createMockRouter(options: MockOptions = {}): MockRouter {
  const requests: MockRequestRecord[] = [];
  const served = () => options.models ?? DEFAULT_MOCK_MODELS;
  const router = Router();
  let seq = 0;

  router.get('/health', () => json({ status: 'healthy' }));
  router.get('/v1/models', () =>
    json({ object: 'list', data: served().map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'vllm', root: id, parent: null })) }),
  );

  router.post('/v1/chat/completions', async (req: Request) => {
    const got = await intake(req, requests, options);
    if (got instanceof Response) return got;
    const { record, body, model, stream, idHeader } = got;
    const id = `chatcmpl-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = countPromptTokens(body.messages);
    if (!stream) {
      record.completed = true;
      const answer = completionJson(id, model, created, promptTokens);
      if (req.headers.get('x-mock-echo') === 'body') answer.choices[0]!.message.content = record.raw;
      return json(answer, { headers: idHeader });
    }
    const withUsage = includeUsage(body as ChatBody);
    return sseAnswer(req, completionChunks(id, model, created, promptTokens, withUsage), record, options, idHeader);
  });
  registerCompletionsAndEmbeddings(router, requests, options);
  // CORS preflight as vLLM's FastAPI CORSMiddleware answers it with its defaults (every origin,
  // method and header allowed), so a browser client can be tried against the mock.
  router.options('*', (req: Request) => {
    const origin = req.headers.get('origin');
    if (!origin || !req.headers.get('access-control-request-method')) return json({ error: { message: 'Method Not Allowed', type: 'not_found', code: 405 } }, { status: 405 });
    const headers: Record<string, string> = {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
      'access-control-max-age': '600',
    };
    const asked = req.headers.get('access-control-request-headers');
    if (asked) headers['access-control-allow-headers'] = asked;
    return new Response('OK', { status: 200, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
  });

  router.all('*', () => json({ error: { message: 'Not Found', type: 'not_found', code: 404 } }, { status: 404 }));

  return {
    requests,
    options,
    fetch: (req) => router.fetch(req).catch((err: unknown) => json({ error: { message: String(err), type: 'MockError', code: 500 } }, { status: 500 })),
  };
}
