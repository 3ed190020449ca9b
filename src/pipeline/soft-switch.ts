// Qwen3's soft switches, for what semroute reports of a request (x-vsr-selected-reasoning, the request
// log): the words `/think` and `/no_think` in the prompt switch thinking of a model whose template
// thinks, which the template switch alone did not show (an explicit qwen3 request ending in /no_think
// was reported "on").
import type { Config } from '../config/schema.ts';
import type { ChatBody } from './context.ts';
import { paramPath } from './param-path.ts';
import { messageText, textRole } from './texts.ts';

/**
 * `/think` or `/no_think` as a word of its own: not a path (/no_thinking/x, /usr/bin/no_think_tool)
 * or a file name; a sentence's full stop may follow.
 */
const SOFT_SWITCH = /(?<![\w/.-])\/(no_think|think)(?![\w/-]|\.\w)/g;

/**
 * Whether Qwen3's soft switch turns thinking off for a model whose template thinks: with
 * enable_thinking true (or absent), `/think` and `/no_think` in a user or system message switch it
 * turn by turn and the model follows the latest one (Qwen3's model card; SmolLM3 reads the same words).
 * The template passes them on as text, so only the model's answer changes (an empty think block):
 * the body is never touched, only what is reported. Families other than enable_thinking ones ignore them.
 */
export function softSwitchOff(body: ChatBody, config: Config, model: string): boolean {
  const family = config.reasoning_families[config.model_config[model]?.reasoning_family ?? ''];
  if (!family || family.type !== 'chat_template_kwargs') return false;
  const path = paramPath(family.parameter);
  if (path[path.length - 1] !== 'enable_thinking') return false;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!m || typeof m !== 'object') continue;
    const role = textRole(m.role);
    if (role !== 'user' && role !== 'system') continue;
    let last: string | undefined;
    for (const hit of messageText(m.content).matchAll(SOFT_SWITCH)) last = hit[1];
    if (last) return last === 'no_think';
  }
  return false;
}
