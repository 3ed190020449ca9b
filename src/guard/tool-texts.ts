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
      if (isObj(fn)) collectDescriptions(fn, parts);
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

/**
 * Those strings (nested in arrays too) and the property names, anywhere in a function definition and
 * its JSON schema, in document order. Walked with a stack of its own, to any depth: a cut at 32
 * levels let an injection nested deeper reach the model unscanned, and a passed-through body has no
 * depth cap that would keep recursion off the call stack's limit.
 */
function collectDescriptions(root: unknown, out: string[]): void {
  // `values`: inside a value key, where every string is shown (and keys are not keywords).
  const todo: Array<{ v: unknown; values: boolean }> = [{ v: root, values: false }];
  while (todo.length) {
    const { v, values } = todo.pop()!;
    if (typeof v === 'string') {
      if (values) out.push(v);
      continue;
    }
    const next: Array<{ v: unknown; values: boolean }> = [];
    if (Array.isArray(v)) {
      for (const x of v) next.push({ v: x, values });
    } else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (!values && k === 'properties' && isObj(x)) {
          // Property names, then each property's schema (a property named "title" is a name, not a keyword).
          next.push(...Object.keys(x).map((name) => ({ v: name, values: true })));
          for (const sub of Object.values(x)) next.push({ v: sub, values: false });
        } else if (values || VALUE_KEYS.has(k)) next.push({ v: x, values: true });
        else if (typeof x === 'object') next.push({ v: x, values: false });
      }
    }
    for (let i = next.length - 1; i >= 0; i--) todo.push(next[i]!);
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
