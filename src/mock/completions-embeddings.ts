// The mock's /v1/completions (JSON and SSE) and /v1/embeddings: the Production Stack routes the
// gateway passes through unchanged (src/api/passthrough.ts), so dev and tests have them.
import { json, type RouterType } from 'itty-router';
import { badRequest, intake, type MockOptions, type MockRequestRecord } from './intake.ts';
import { sseAnswer } from './stream.ts';
// Read as vLLM reads it (pydantic's lax bool, default true): Boolean() took "false" for true.
import { includeUsage } from '../pipeline/request.ts';
import type { ChatBody } from '../pipeline/context.ts';
import { countTextPromptTokens, embeddingsJson, textCompletionChunks, textCompletionJson } from './text-answers.ts';

export function registerCompletionsAndEmbeddings(router: RouterType, requests: MockRequestRecord[], options: MockOptions): void {
  let seq = 0;
  router.post('/v1/completions', async (req: Request) => {
    const got = await intake(req, requests, options);
    if (got instanceof Response) return got;
    const { record, body, model, stream, idHeader } = got;
    // vLLM's check (serving_completion.py); a chat body sent here has neither.
    if ((body.prompt === undefined || body.prompt === null) && body.prompt_embeds == null) {
      return badRequest('Either prompt or prompt_embeds must be provided and non-empty.', idHeader);
    }
    const id = `cmpl-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = countTextPromptTokens(body.prompt);
    if (!stream) {
      record.completed = true;
      return json(textCompletionJson(id, model, created, promptTokens), { headers: idHeader });
    }
    const withUsage = includeUsage(body as ChatBody);
    return sseAnswer(req, textCompletionChunks(id, model, created, promptTokens, withUsage), record, options, idHeader);
  });

  router.post('/v1/embeddings', async (req: Request) => {
    const got = await intake(req, requests, options);
    if (got instanceof Response) return got;
    const { record, body, model, idHeader } = got;
    if (body.input === undefined || body.input === null) return badRequest('Field required: input', idHeader);
    const dims = typeof body.dimensions === 'number' && body.dimensions > 0 && body.dimensions <= 4096 ? Math.floor(body.dimensions) : 8;
    record.completed = true;
    return json(embeddingsJson(model, body.input, dims, body.encoding_format === 'base64'), { headers: idHeader });
  });
}
