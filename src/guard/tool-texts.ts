// Texts a chat template shows the model besides message contents, for the jailbreak guard: the
// client's tool definitions (function and parameter descriptions are rendered into the prompt, next
// to the system message), the structured-output schema (OpenAI's API shows it to the model) and the
// arguments of earlier assistant tool calls. Scanned with the roles whose turns show them (system,
// assistant), so scan_roles covers what those turns carry. The PII policy reads the same strings
// through definitionSlots (definition-slots.ts), which walks them with walkDefinition.
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The definitions in a body, each to be read as one text: every tool (chat's `{type, function}`,
 * /v1/responses' and /v1/messages' flat `{name, description, parameters | input_schema}`), legacy
 * `functions`, chat's `response_format.json_schema` and /v1/responses' `text.format`.
 */
export function definitions(body: unknown): Record<string, unknown>[] {
  if (!isObj(body)) return [];
  const out: Record<string, unknown>[] = [];
  for (const list of [body.tools, body.functions]) {
    if (!Array.isArray(list)) continue;
    for (const t of list) {
      const fn = isObj(t) && isObj(t.function) ? t.function : t;
      if (isObj(fn)) out.push(fn);
    }
  }
  const rf = isObj(body.response_format) ? body.response_format.json_schema : undefined;
  if (isObj(rf)) out.push(rf);
  const tf = isObj(body.text) ? body.text.format : undefined;
  if (isObj(tf)) out.push(tf);
  return out;
}

/** Descriptions, titles, parameter values and property names of each definition (see definitions()), each as one text. */
export function toolDefinitionTexts(body: unknown): string[] {
  const out: string[] = [];
  for (const fn of definitions(body)) {
    // The function's name first, as templates render it: vLLM checks no name format, so it may be prose.
    const parts: string[] = typeof fn.name === 'string' ? [fn.name] : [];
    walkDefinition(fn, (h, k) => parts.push(h[k] as string), (name) => parts.push(name));
    const text = parts.join('\n');
    if (text.trim()) out.push(text);
  }
  return out;
}

/**
 * Schema keys whose string values a template shows as text: the descriptions and titles, and the
 * values a parameter may or should take. Templates (Qwen's, Llama's) render each tool as its whole
 * JSON, so an injection in an enum value, a default or a property's name reached the model too.
 */
const VALUE_KEYS = new Set(['description', 'title', 'enum', 'const', 'default', 'examples']);

type Holder = Record<string | number, unknown>;

/**
 * Visits the strings a definition shows, in document order: each value string (under a VALUE_KEYS
 * key, nested in arrays too) with its holder and key, so a caller may rewrite it, and each property
 * name (a name only: renaming one would break the schema). Walked with a stack of its own, to any
 * depth: a cut at 32 levels let an injection nested deeper reach the model unscanned, and a
 * passed-through body has no depth cap that would keep recursion off the call stack's limit.
 */
export function walkDefinition(root: unknown, onValue: (holder: Holder, key: string | number) => void, onName: (name: string) => void): void {
  // `values`: inside a value key, where every string is shown (and keys are not keywords).
  type Item = { v: unknown; values: boolean; holder?: Holder; key?: string | number; name?: string };
  const todo: Item[] = [{ v: root, values: false }];
  while (todo.length) {
    const { v, values, holder, key, name } = todo.pop()!;
    if (name !== undefined) {
      onName(name);
      continue;
    }
    if (typeof v === 'string') {
      if (values && holder) onValue(holder, key!);
      continue;
    }
    const next: Item[] = [];
    if (Array.isArray(v)) {
      v.forEach((x, i) => next.push({ v: x, values, holder: v as unknown as Holder, key: i }));
    } else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (!values && k === 'properties' && isObj(x)) {
          // Property names, then each property's schema (a property named "title" is a name, not a keyword).
          for (const n of Object.keys(x)) next.push({ v: undefined, values: true, name: n });
          for (const [n, sub] of Object.entries(x)) next.push({ v: sub, values: false, holder: x, key: n });
        } else if (values || VALUE_KEYS.has(k)) next.push({ v: x, values: true, holder: v, key: k });
        else if (typeof x === 'object') next.push({ v: x, values: false, holder: v, key: k });
      }
    }
    for (let i = next.length - 1; i >= 0; i--) todo.push(next[i]!);
  }
}

/** Names and arguments of the assistant turns' tool calls (and legacy function_call), newest last;
 *  a name is its own text (arguments are JSON, scored by their keys and values: json-text.ts). */
export function toolCallArgumentTexts(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  const out: string[] = [];
  for (const m of messages) {
    if (!isObj(m) || m.role !== 'assistant') continue;
    const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
    for (const c of [...calls, m.function_call]) {
      const fn = isObj(c) && isObj(c.function) ? c.function : c;
      if (isObj(fn) && typeof fn.name === 'string' && fn.name.trim()) out.push(fn.name);
      if (isObj(fn) && typeof fn.arguments === 'string' && fn.arguments.trim()) out.push(fn.arguments);
      // Arguments sent as an object or list: vLLM passes them to the template as they are
      // (chat_utils.py _postprocess_messages parses only a string), which renders them as JSON.
      else if (isObj(fn) && fn.arguments !== null && typeof fn.arguments === 'object') out.push(JSON.stringify(fn.arguments));
    }
  }
  return out;
}
