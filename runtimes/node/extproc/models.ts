// GET /v1/models answered by ext_proc as an immediate response (the reference's ExtProc does the same),
// with the gateway's own list builder so both doors list the same models.
import type { AppDeps } from '../../../src/deps.ts';
import type { ImmediateResponse } from '../../../src/pipeline/context.ts';
import { modelList } from '../../../src/api/openai.ts';

export function modelsResponse(deps: AppDeps, createdSec: number): ImmediateResponse {
  return {
    status: 200,
    headers: {},
    contentType: 'application/json',
    body: JSON.stringify(modelList(deps, createdSec)),
    reason: 'models',
  };
}
