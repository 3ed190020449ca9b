// GET /v1/models answered by ext_proc as an immediate response (the reference's ExtProc does the same),
// with the gateway's own list builder so both doors list the same models.
import type { AppDeps } from '../../../src/deps.ts';
import type { ImmediateResponse } from '../../../src/pipeline/context.ts';
import { modelList, modelRetrieve } from '../../../src/api/openai.ts';

/** The list, or with `id` (GET /v1/models/{id}) its entry or 404 model_not_found, as the gateway answers. */
export function modelsResponse(deps: AppDeps, createdSec: number, id?: string): ImmediateResponse {
  const r = id === undefined ? { status: 200, body: JSON.stringify(modelList(deps, createdSec)) } : modelRetrieve(deps, createdSec, id);
  return { status: r.status, headers: {}, contentType: 'application/json', body: r.body, reason: 'models' };
}
