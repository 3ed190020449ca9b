// Strings of a body that no reader of the PII scan covers: a misspelled key (`conTent`, `inpwt`), any
// unknown field at any depth. vLLM ignores or refuses such a key, so no model reads it, but the bytes
// reach the engine and its logs: the reason `user` and `metadata` are scanned (identity-slots.ts).
// For a restricting policy they are scanned too, as one text (one detector call and one budget text
// for all of them), redacted in place under redact. Coverage is by value: a string equal to a text a
// reader read was scanned as that text; under redact, maskDuplicates gives it the reader's masking.
import type { TextSlot } from './redaction.ts';

/** Keys whose value is an identifier or an enum the engine validates (a role, a part type, a call id):
 *  left out when they look like one, so a normal body adds no text; anything else under them is read. */
const STRUCTURAL = new Set([
  ...['role', 'type', 'model', 'object', 'id', 'tool_call_id', 'call_id', 'previous_response_id', 'prompt_cache_key', 'status'],
  ...['detail', 'format', 'encoding_format', 'reasoning_effort', 'service_tier', 'tool_choice', 'truncation', 'voice', 'language'],
]);
const IDENTIFIER = /^[\w.:/-]{1,80}$/;

/** Whether `value` under `key` is covered: read by a reader (`covered`), blank, or an identifier under a structural key. */
function skipped(key: string | number, value: string, covered: ReadonlySet<string>): boolean {
  if (!value.trim() || covered.has(value)) return true;
  // A file part's data URL: a text file's contents are read decoded (file-parts.ts), any other is refused.
  if (key === 'file_data' && value.startsWith('data:')) return true;
  return typeof key === 'string' && STRUCTURAL.has(key) && IDENTIFIER.test(value);
}

/** Every string value of `body` (objects and arrays at any depth) that is not `covered`, as slots of one
 *  group, `logged` (the model does not read them: the answer does not depend on them). Document order. */
export function unreadSlots(body: unknown, covered: ReadonlySet<string>): TextSlot[] {
  const group = {};
  const out: TextSlot[] = [];
  walk(body, (holder, key, value) => {
    if (skipped(key, value, covered)) return;
    out.push({ role: 'unknown', group, logged: true, get: () => (holder as Record<string | number, string>)[key]!, set: (v) => put(holder, key, v) });
  });
  return out;
}

/** The same, as texts (the passed-through routes, which only refuse): their strings joined, or none. */
export function unreadText(body: unknown, readTexts: readonly string[]): string[] {
  const covered = coveredSet(readTexts);
  const joined = readTexts.join('\n');
  // A passed-through reader joins parts and fields into one text: a string inside one was read there.
  // The substring search is bounded so a body of many strings stays linear; past it, read again.
  let work = 0;
  const texts: string[] = [];
  // A body that is a bare string (no reader reads one) is its own unread text: the walk reads strings held in objects and lists.
  walk(typeof body === 'string' ? [body] : body, (_holder, key, value) => {
    if (skipped(key, value, covered)) return;
    work += joined.length;
    if (work <= 50_000_000 && joined.includes(value)) return;
    texts.push(value);
  });
  return texts.length ? [texts.join('\n')] : [];
}

/** Texts and each of their lines (a reader joins a message's parts with newlines). */
function coveredSet(texts: readonly string[]): Set<string> {
  const s = new Set<string>();
  for (const t of texts) {
    s.add(t);
    if (t.includes('\n')) for (const line of t.split('\n')) s.add(line);
  }
  return s;
}

/** After redaction: a string equal to a masked slot's text as sent (under a key no reader covers) gets the slot's masking. */
export function maskDuplicates(body: unknown, masked: ReadonlyMap<string, string>): void {
  if (!masked.size) return;
  walk(body, (holder, key, value) => {
    const m = masked.get(value);
    if (m !== undefined) put(holder, key, m);
  });
}

/** A string met in the walk, waiting on the stack for its turn. */
class Leaf {
  holder: object;
  key: string | number;
  value: string;
  constructor(holder: object, key: string | number, value: string) {
    this.holder = holder;
    this.key = key;
    this.value = value;
  }
}

/** Every string of `v` with its holder and key, depth first in document order; iterative, so no nesting
 *  a body can send overflows the stack (a string no depth limit may leave unread). */
function walk(v: unknown, visit: (holder: object, key: string | number, value: string) => void): void {
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (x instanceof Leaf) {
      visit(x.holder, x.key, x.value);
      continue;
    }
    if (x === null || typeof x !== 'object') continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(x) ? x.map((e, i) => [i, e]) : Object.entries(x as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, e] = entries[i]!;
      // Pushed last-first, so they come off the stack in document order.
      if (typeof e === 'string') stack.push(new Leaf(x, k, e));
      else if (e !== null && typeof e === 'object') stack.push(e);
    }
  }
}

/** Writes an own property: a JSON key "__proto__" is one, and plain assignment would not replace it. */
function put(holder: object, key: string | number, value: string): void {
  Object.defineProperty(holder, key, { value, writable: true, enumerable: true, configurable: true });
}
