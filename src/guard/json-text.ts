// What a JSON text says, for the jailbreak guard. Tool-call arguments and tool results are JSON more
// often than not, and the pack, trained on prose, scored bare JSON syntax as an attack ("{}" 0.81,
// "[]" 0.90, '{"q": "weather"}' 0.75 against the 0.7 threshold): an ordinary no-argument tool call
// blocked a request whose scan_roles named assistant. A JSON object or array is scored by its keys
// and string values instead, one per line in document order, so an injection in any of them is read
// whole and the punctuation around it is not read at all. Any other text is scored as it is.

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The keys and string values of `text` when it is a JSON object or array; undefined otherwise. */
export function jsonSays(text: string): string | undefined {
  const t = text.trim();
  const last = t[t.length - 1];
  if (!((t[0] === '{' && last === '}') || (t[0] === '[' && last === ']'))) return undefined;
  let root: unknown;
  try {
    root = JSON.parse(t);
  } catch {
    return undefined;
  }
  const out: string[] = [];
  // A stack of its own: the body's depth is the client's to choose.
  const todo: unknown[] = [root];
  while (todo.length) {
    const v = todo.pop();
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) todo.push(v[i]);
    else if (isObj(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) todo.push(entries[i]![1], entries[i]![0]);
    }
  }
  return out.join('\n');
}
