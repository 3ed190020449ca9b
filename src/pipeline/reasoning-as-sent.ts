// Whether the upstream model thinks on a request semroute forwards as the client sent it (an explicit
// model), for x-vsr-selected-reasoning, the request log and the trace. The reference reports "off" for
// every explicit model (vsr.md 1.1 step 6), and reading only the client's switch `=== true` said off
// for an explicit qwen3 request without one, while Qwen3 thinks by default. What the model does with
// an absent or odd value is its chat template's (or server's) default, so that is what is read here.
import type { Config } from '../config/schema.ts';
import type { ChatBody } from './context.ts';
import { getPath, paramPath } from './param-path.ts';
import { requestedReasoning } from './rewrite.ts';
import { softSwitchOff } from './soft-switch.ts';

/**
 * chat_template_kwargs switches whose templates think unless the value is false: Qwen3 and Qwen3.5
 * (`enable_thinking is defined and enable_thinking is false`), GLM-4.5/4.6, SmolLM3 read it so. Other
 * switches (DeepSeek V3.1's and Granite's `thinking`) are off unless set: `{% if thinking %}`.
 */
const THINKS_UNLESS_FALSE = new Set(['enable_thinking']);

/**
 * reasoning_effort families whose model reasons with no effort sent: gpt-oss (the reference's family
 * name), whose harmony prompt says "Reasoning: medium" when the request names none. The family `gpt`
 * of the reference's config may be a model that does not reason, so it is not assumed.
 */
const REASONS_WITHOUT_EFFORT = new Set(['gpt-oss']);

/** Jinja's (Python's) truth of a JSON value, as `{% if x %}` reads it. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return !(typeof v === 'number' && Number.isNaN(v));
}

export function reasoningAsSent(body: ChatBody, config: Config, model: string): boolean {
  const familyName = config.model_config[model]?.reasoning_family;
  const family = familyName ? config.reasoning_families[familyName] : undefined;
  // No family: nothing is known of the model's default, so only the client's own switch is read.
  if (!familyName || !family) return requestedReasoning(body, config, model);
  const path = paramPath(family.parameter);
  if (family.type === 'chat_template_kwargs') {
    const kwargs = body.chat_template_kwargs;
    const v = typeof kwargs === 'object' && kwargs !== null && !Array.isArray(kwargs) ? getPath(kwargs, path) : undefined;
    return THINKS_UNLESS_FALSE.has(path[path.length - 1]!) ? v !== false && !softSwitchOff(body, config, model) : truthy(v);
  }
  if (getPath(body, path) == null && REASONS_WITHOUT_EFFORT.has(familyName)) return true;
  return requestedReasoning(body, config, model);
}

