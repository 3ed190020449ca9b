// Texts a chat template shows the model besides message contents, for the jailbreak guard: the
// client's tool definitions (function and parameter descriptions are rendered into the prompt, next
// to the system message) and the arguments of earlier assistant tool calls. Scanned with the roles
// whose turns show them (system, assistant), so scan_roles covers what those turns carry.
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Descriptions (and titles) in the body's `tools` (and legacy `functions`), each tool's as one text. */
export function toolDefinitionTexts(body: unknown): string[] {
  if (!isObj(body)) return [];
  const out: string[] = [];
  for (const list of [body.tools, body.functions]) {
    if (!Array.isArray(list)) continue;
    for (const t of list) {
      const fn = isObj(t) && isObj(t.function) ? t.function : t;
      const parts: string[] = [];
      if (isObj(fn)) collectDescriptions(fn, parts, 0);
      const text = parts.join('\n');
      if (text.trim()) out.push(text);
    }
  }
  return out;
}

/** `description` / `title` strings anywhere in a function definition and its JSON schema. */
function collectDescriptions(v: unknown, out: string[], depth: number): void {
  if (depth > 32) return;
  if (Array.isArray(v)) {
    for (const x of v) collectDescriptions(x, out, depth + 1);
    return;
  }
  if (!isObj(v)) return;
  for (const [k, x] of Object.entries(v)) {
    if ((k === 'description' || k === 'title') && typeof x === 'string') out.push(x);
    else if (typeof x === 'object') collectDescriptions(x, out, depth + 1);
  }
}

/** Arguments of the assistant turns' tool calls (and legacy function_call), newest last. */
export function toolCallArgumentTexts(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  const out: string[] = [];
  for (const m of messages) {
    if (!isObj(m) || m.role !== 'assistant') continue;
    const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
    for (const c of [...calls, m.function_call]) {
      const fn = isObj(c) && isObj(c.function) ? c.function : c;
      if (isObj(fn) && typeof fn.arguments === 'string' && fn.arguments.trim()) out.push(fn.arguments);
    }
  }
  return out;
}
