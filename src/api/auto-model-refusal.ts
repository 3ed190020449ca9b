// Auto model names (routing.auto_model_names) on a passed-through route: only /v1/chat/completions is
// classified and routed, so the engine would answer 404 for a name it does not serve. Both doors (the
// HTTP gateway's passthrough and ext_proc's generation routes) answer this same 400 instead.
import type { Config } from '../config/schema.ts';
import { isAutoModel } from '../pipeline/categories.ts';
import { errorResponse } from './errors.ts';

export const AUTO_MODEL_NOT_ROUTED = 'auto_model_not_routed';

/** The 400 for an auto name on `route`, or undefined when the body names a model (or none). */
export function autoModelRefusal(config: Config, route: string, model: string | undefined, headers: Record<string, string>): Response | undefined {
  if (model === undefined || !isAutoModel(config, model)) return undefined;
  return errorResponse(
    400,
    `The model '${model}' asks for automatic routing, which semroute does for /v1/chat/completions only; name a served model for ${route}.`,
    'invalid_request_error',
    AUTO_MODEL_NOT_ROUTED,
    'model',
    headers,
  );
}
