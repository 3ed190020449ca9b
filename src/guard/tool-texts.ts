// Texts a chat template shows the model besides message contents, for the jailbreak guard: the
// client's tool definitions (function and parameter descriptions are rendered into the prompt, next
// to the system message) and the arguments of earlier assistant tool calls. Scanned with the roles
// whose turns show them (system, assistant), so scan_roles covers what those turns carry.
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Descriptions, titles, parameter values and names in the body's `tools` (and legacy `functions`), each tool's as one text. */
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

/**
 * Schema keys whose string values a template shows as text: the descriptions and titles, and the
 * values a parameter may or should take. Templates (Qwen's, Llama's) render each tool as its whole
 * JSON, so an injection in an enum value, a default or a property's name reached the model too.
 */
const VALUE_KEYS = new Set(['description', 'title', 'enum', 'const', 'default', 'examples']);

/** Those strings (nested in arrays too) and the property names, anywhere in a function definition and its JSON schema. */
function collectDescriptions(v: unknown, out: string[], depth: number, values = false): void {
  if (depth > 32) return;
  if (typeof v === 'string') {
    if (values) out.push(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) collectDescriptions(x, out, depth + 1, values);
    return;
  }
  if (!isObj(v)) return;
  for (const [k, x] of Object.entries(v)) {
    if (!values && k === 'properties' && isObj(x)) {
      // Property names, then each property's schema (a property named "title" is a name, not a keyword).
      out.push(...Object.keys(x));
      for (const sub of Object.values(x)) collectDescriptions(sub, out, depth + 1);
    } else if (values || VALUE_KEYS.has(k)) collectDescriptions(x, out, depth + 1, true);
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
