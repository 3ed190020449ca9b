// Strings of a body that no reader of the PII scan covers: a misspelled key (`conTent`, `inpwt`), any
// unknown field at any depth. vLLM ignores or refuses such a key, so no model reads it, but the bytes
// reach the engine and its logs: the reason `user` and `metadata` are scanned (identity-slots.ts).
// For a restricting policy they are scanned too, as one text (one detector call and one budget text
// for all of them), redacted in place under redact. Coverage is by value: a string equal to a text a
// reader read was scanned as that text; under redact, maskDuplicates gives it the reader's masking.
import type { TextSlot } from './redaction.ts';
import { ExactInteger, markUnsafeIntegers, mayHoldInexact, type KeptText } from '../pipeline/exact-integers.ts';
import { idHoldsPersonalNumber } from './pii-id-values.ts';

/** Keys whose value is an identifier or an enum the engine validates (a role, a part type, a call id):
 *  left out when they look like one, so a normal body adds no text; anything else under them is read. */
const STRUCTURAL = new Set([
  ...['role', 'type', 'model', 'object', 'id', 'tool_call_id', 'call_id', 'previous_response_id', 'prompt_cache_key', 'status'],
  ...['detail', 'format', 'encoding_format', 'reasoning_effort', 'service_tier', 'tool_choice', 'truncation', 'voice', 'language'],
]);
const IDENTIFIER = /^[\w.:/-]{1,80}$/;

/** Fields that steer decoding rather than being read (a stop string, a regex or grammar the answer must
 *  match): a placeholder there changes what the request asks, so their slots are `fixed` (redaction.ts):
 *  literal strings the model's output is compared with, or patterns never rewritten. Top level, and the
 *  same inside vLLM's `structured_outputs`. guided_choice and guided_json are definitions
 *  (definition-slots.ts): the model writes their values, so their placeholders come back restored. */
const STEERING = new Map<string, Fixed>([
  ...(['stop', 'bad_words'] as const).map((k) => [k, 'literal'] as const),
  ...(['guided_regex', 'guided_grammar', 'guided_whitespace_pattern', 'structural_tag'] as const).map((k) => [k, 'never'] as const),
]);
const STEERING_OUTPUTS = new Set(['regex', 'grammar', 'structural_tag', 'whitespace_pattern']);
/** A JSON schema's `pattern` (at any depth: response_format, guided_json, a tool's parameters) is a
 *  regex the value written must match, as guided_regex is; a schema's enum/const values are
 *  definitions (definition-slots.ts), written by the model and restored. */
const PATTERN = 'pattern';

/** Integer fields of the APIs: a `seed` of 16 digits is a seed (the detector reads 4111111111111111 as a card). */
const NUMERIC = new Set([
  ...['seed', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'min_tokens', 'truncate_prompt_tokens', 'dimensions'],
  ...['n', 'best_of', 'top_k', 'logprobs', 'top_logprobs', 'prompt_logprobs', 'priority', 'created', 'created_at', 'expires_at'],
]);
/** Fewer digits hold no card, phone or national id: counts, token ids, sizes. */
const MIN_DIGITS = 7;
const MIN_NUMBER = 10 ** (MIN_DIGITS - 1);
const KEY_NAME = /^[\w.:/$-]{1,80}$/;
const SEVEN_DIGITS = /(?:\D*\d){7}/;

/** Names such as order_id, x-trace.id or $schema: identifier-like and nearly digit-free (a key of 16
 *  digits, dashes or not, is read). No caller reads them, so the walk does not visit them. */
function plainKey(k: string): boolean {
  if (PLAIN_KEYS.has(k)) return true;
  const plain = KEY_NAME.test(k) && !SEVEN_DIGITS.test(k);
  // Bodies repeat the same few names (role, content, type, ...): remembered, bounded.
  if (plain && PLAIN_KEYS.size < 4096) PLAIN_KEYS.add(k);
  return plain;
}
const PLAIN_KEYS = new Set<string>();

/** Whether a leaf is no text to read: blank, read by a reader (`covered`), an identifier under a
 *  structural key, a number too short or under an integer field (plain key names are never visited). */
function skipped(key: string | number, value: string, kind: Kind, fixed: Fixed, covered: ReadonlySet<string>): boolean {
  // A fixed leaf equal to a text a reader read keeps its value when that text is masked: read it.
  if (!value.trim() || (!fixed && covered.has(value))) return true;
  if (kind === 'number') return !/^-?\d+$/.test(value) || value.replace('-', '').length < MIN_DIGITS || (typeof key === 'string' && NUMERIC.has(key));
  if (kind === 'key') return false;
  // A file part's data URL: a text file's contents are read decoded (file-parts.ts), any other is refused.
  if (key === 'file_data' && value.startsWith('data:')) return true;
  // An id holding a phone, card or SSN number is read all the same (pii-id-values.ts).
  return typeof key === 'string' && STRUCTURAL.has(key) && IDENTIFIER.test(value) && !idHoldsPersonalNumber(value);
}

/** Every string value, long integer and non-identifier key name of `body` (objects and arrays at any
 *  depth) that is not `covered`, as slots of one group, `logged` (the model does not read them: the
 *  answer does not depend on them). Document order. A key name's slot is `fixed` (never renamed: a
 *  renamed property breaks a schema, a metadata key is the application's name), as is a string under a
 *  field that steers decoding. A number is masked as its placeholder string: no engine reads a number
 *  under a key it does not know, and the value must not reach its logs. */
export function unreadSlots(body: unknown, covered: ReadonlySet<string>): TextSlot[] {
  const group = {};
  const out: TextSlot[] = [];
  walk(body, (holder, key, value, kind, fixed) => {
    if (skipped(key, value, kind, fixed, covered)) return;
    const h = holder as Record<string | number, unknown>;
    const slot: TextSlot = kind === 'key'
      ? { role: 'unknown', group, logged: true, fixed: 'never', get: () => value, set: () => undefined }
      : { role: 'unknown', group, logged: true, get: () => numberText(h[key]), set: (v) => put(holder, key, v) };
    if (fixed) slot.fixed = fixed;
    out.push(slot);
  });
  return out;
}

/** The same, as texts (the passed-through routes, which only refuse): their strings joined, or none.
 *  `source`: the body's JSON text, read again for an integer beyond 2^53 (JSON.parse rounds
 *  6234567890123456780, a card number, to ...7000, which is none), only when it may hold one. */
export function unreadText(body: unknown, readTexts: readonly string[], source?: string): string[] {
  const covered = coveredSet(readTexts);
  const joined = readTexts.join('\n');
  // A passed-through reader joins parts and fields into one text: a string inside one was read there.
  // The substring search is bounded so a body of many strings stays linear; past it, read again.
  let work = 0;
  const texts: string[] = [];
  const kept = source !== undefined && mayHoldInexact(source) ? markUnsafeIntegers(source) : undefined;
  // Parsed with each such literal as a marker string (the text parsed once already: it parses).
  const root = kept ? JSON.parse(kept.text) : body;
  // A body that is a bare string (no reader reads one) is its own unread text: the walk reads strings held in objects and lists.
  walk(typeof root === 'string' ? [root] : root, (_holder, key, value, kind) => {
    // Nothing is rewritten here, so a key name a reader read (a tool's property names) counts as read.
    if (skipped(key, value, kind, false, covered)) return;
    work += joined.length;
    if (work <= 50_000_000 && joined.includes(value)) return;
    texts.push(value);
  }, kept);
  return texts.length ? [texts.join('\n')] : [];
}

const NONE: ReadonlySet<string> = new Set();

/** Texts and each of their lines (a reader joins a message's parts with newlines). */
function coveredSet(texts: readonly string[]): Set<string> {
  const s = new Set<string>();
  for (const t of texts) {
    s.add(t);
    if (t.includes('\n')) for (const line of t.split('\n')) s.add(line);
  }
  return s;
}

/** After redaction: a string or number equal to a masked slot's text as sent (under a key no reader
 *  covers) gets the slot's masking. Key names are never rewritten (their own slots are read). */
export function maskDuplicates(body: unknown, masked: ReadonlyMap<string, string>): void {
  if (!masked.size) return;
  walk(body, (holder, key, value, kind, fixed) => {
    // A fixed leaf was read itself (unreadSlots), as was a number under an integer field.
    if (fixed || (kind === 'number' && skipped(key, value, kind, fixed, NONE))) return;
    const m = masked.get(value);
    if (m !== undefined) put(holder, key, m);
  });
}

/** What a leaf of the walk is: a string value, a number, or an object's key name. */
type Kind = 'string' | 'number' | 'key';
/** A leaf under no steering field (false), or how it may be masked (redaction.ts TextSlot.fixed). */
type Fixed = false | 'literal' | 'never';

/** A leaf met in the walk, waiting on the stack for its turn. */
class Leaf {
  holder: object;
  key: string | number;
  value: string;
  kind: Kind;
  fixed: Fixed;
  constructor(holder: object, key: string | number, value: string, kind: Kind, fixed: Fixed) {
    this.holder = holder;
    this.key = key;
    this.value = value;
    this.kind = kind;
    this.fixed = fixed;
  }
}

/** An object or list on the stack, and whether it lies under a field that steers decoding. */
class Node {
  value: object;
  fixed: Fixed;
  constructor(value: object, fixed: Fixed) {
    this.value = value;
    this.fixed = fixed;
  }
}

type Visit = (holder: object, key: string | number, value: string, kind: Kind, fixed: Fixed) => void;

/** Every string, number and key name of `v` with its holder and key, depth first in document order (a
 *  key before its value); iterative, so no nesting a body can send overflows the stack (a string no
 *  depth limit may leave unread). `fixed`: under a field that steers decoding (STEERING). */
function walk(v: unknown, visit: Visit, kept?: KeptText): void {
  if (v === null || typeof v !== 'object') return;
  const so = (v as { structured_outputs?: unknown }).structured_outputs;
  // Objects under no steering field go on the stack bare (most of them): a Node only carries `fixed`.
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (x instanceof Leaf) {
      visit(x.holder, x.key, x.value, x.kind, x.fixed);
      continue;
    }
    const under: Fixed = x instanceof Node ? x.fixed : false;
    const o = (x instanceof Node ? x.value : x) as object;
    const list = Array.isArray(o);
    const entries: Array<[string | number, unknown]> = list ? o.map((e, i) => [i, e]) : Object.entries(o as Record<string, unknown>);
    const top = o === v || o === so;
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, e] = entries[i]!;
      const fixed = under || (top && steering(k, e, o === v, o === so));
      // Pushed last-first, so they come off the stack in document order.
      if (typeof e === 'string') {
        if (kept && e.startsWith(kept.marker)) stack.push(new Leaf(o, k, kept.literals[Number(e.slice(kept.marker.length))]!, 'number', fixed));
        else stack.push(new Leaf(o, k, e, 'string', fixed || (k === PATTERN && 'never')));
      }
      // Shorter numbers and fractions hold no card, phone or national id: no caller reads them.
      else if (typeof e === 'number') {
        if (Number.isInteger(e) && Math.abs(e) >= MIN_NUMBER) stack.push(new Leaf(o, k, String(e), 'number', fixed));
      } else if (e instanceof ExactInteger) {
        // An integer beyond 2^53 kept as the client wrote it (chat: exact-integers.ts): read by its
        // digits, under its own key (a 64-bit seed is a seed), and masked as a number is.
        stack.push(new Leaf(o, k, e.literal, 'number', fixed));
      } else if (e !== null && typeof e === 'object') stack.push(fixed ? new Node(e, fixed) : e);
      if (!list && !plainKey(k as string)) stack.push(new Leaf(o, k, k as string, 'key', 'never'));
    }
  }
}

/** How a value under `key` may be masked: a steering field of the body or of its structured_outputs. */
function steering(key: string | number, value: unknown, top: boolean, outputs: boolean): Fixed {
  if (typeof key !== 'string') return false;
  // vLLM turns a structural_tag response_format into structured_outputs.structural_tag: its begin and
  // end texts are forced into the answer, its triggers matched against it.
  if (top && key === 'response_format') return (value as { type?: unknown } | null)?.type === 'structural_tag' ? 'never' : false;
  if (top) return STEERING.get(key) ?? false;
  return outputs && STEERING_OUTPUTS.has(key) ? 'never' : false;
}

/** A number leaf's digits: a kept literal's (ExactInteger), or the number's. */
const numberText = (x: unknown): string => (x instanceof ExactInteger ? x.literal : String(x));

/** Writes an own property: a JSON key "__proto__" is one, and plain assignment would not replace it. */
function put(holder: object, key: string | number, value: string): void {
  Object.defineProperty(holder, key, { value, writable: true, enumerable: true, configurable: true });
}
