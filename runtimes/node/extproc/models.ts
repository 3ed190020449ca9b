// GET /v1/models answered by ext_proc as an immediate response (the reference's ExtProc does the same).
// Placeholder until the gateway's own list builder lands in src/api; then this delegates to it.
import type { AppDeps } from '../../../src/deps.ts';
import type { ImmediateResponse } from '../../../src/pipeline/context.ts';

export function modelsResponse(deps: AppDeps): ImmediateResponse {
  const { config } = deps;
  const created = Math.floor(deps.clock.wallMs() / 1000);
  const ids = new Set<string>();
  for (const m of Object.keys(config.model_config)) ids.add(m);
  for (const c of config.categories) for (const s of c.model_scores) ids.add(s.model);
  ids.add(config.default_model);
  const data = [
    ...config.routing.auto_model_names.map((id) => ({ id, object: 'model', created, owned_by: config.routing.owned_by })),
    ...[...ids].map((id) => ({ id, object: 'model', created, owned_by: 'vllm' })),
  ];
  return {
    status: 200,
    headers: {},
    contentType: 'application/json',
    body: JSON.stringify({ object: 'list', data }),
    reason: 'models',
  };
}
