// A chat_template_kwargs reasoning switch sent as a word or a number ("true", "false", 1, 0, "yes").
// vLLM hands chat_template_kwargs (dict[str, Any]) to the Jinja template untouched, and templates
// read such a value each their own way: Qwen3's tests `enable_thinking is false`, so "false" and 0
// leave it thinking; DeepSeek's `if thinking` reads the non-empty "false" as on; vLLM's reasoning
// parsers take Python's bool() of it. The gateway reads `=== true` (header, metrics, the client's
// switch kept when nothing is classified), so it reported off for a model that thought. Rather than
// guess each template's reading, the words a client means as a boolean (pydantic's lax bool, as vLLM
// reads `stream`) are written back as that boolean, which every template, the reasoning parser and
// the gateway read alike. Anything else (null, "sometimes", an object) goes as sent.
import type { Config } from '../config/schema.ts';
import type { ChatBody } from './context.ts';
import { laxBool } from './lax-values.ts';
import { getPath, paramPath, setPath } from './param-path.ts';

/** The switches read for a model without a reasoning family (rewrite.ts requestedReasoning). */
const USUAL = [['enable_thinking'], ['thinking']];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Writes each boolean-word switch in body.chat_template_kwargs back as its boolean: the usual two and
 * every chat_template_kwargs family's parameter (the routed model's family may be any of them).
 */
export function normaliseReasoningSwitches(body: ChatBody, config: Config): void {
  const kwargs = body.chat_template_kwargs;
  if (!isObj(kwargs)) return;
  const paths = [...USUAL];
  for (const f of Object.values(config.reasoning_families)) if (f.type === 'chat_template_kwargs') paths.push(paramPath(f.parameter));
  let copied: Record<string, unknown> | undefined;
  for (const path of paths) {
    const v = getPath(copied ?? kwargs, path);
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const b = laxBool(v);
    if (typeof b !== 'boolean') continue;
    // A copy, so no object the client sent is changed under another reader (setPath copies nested steps).
    copied ??= { ...kwargs };
    setPath(copied, path, b);
  }
  if (copied) body.chat_template_kwargs = copied;
}
