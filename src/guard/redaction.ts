// Redaction: typed placeholders (<EMAIL_ADDRESS_1>) replace detected entities before the request is
// forwarded, and, when configured, a response tap puts the original values back into the answer, so
// the upstream model never sees them but the client reads a normal reply. The restore map is the only
// copy of the values and lives exactly as long as the request.
import type { ChatBody, ResponseTap } from '../pipeline/context.ts';
import { placeholderHoldFrom } from './placeholder-hold.ts';
import { canonicalPlaceholder, JSON_PLACEHOLDER, LOOSE_PLACEHOLDER, unescapedBrackets } from './placeholders.ts';
// Message fields besides content that carry text back to the model (an assistant turn's reasoning and
// refusal), and the body's documents and template variables: left out, personal data in them reached
// a model the policy keeps it from.
import { bodyTemplateSlots, functionNames, MESSAGE_TEXT_FIELDS, readsName, scanRole, stringSlots } from './template-texts.ts';
import { restoreLogprobs } from './logprob-restore.ts';
// Tool definitions, the structured-output schema and prediction content reach the model too.
import { definitionSlots } from './definition-slots.ts';
// `user`, `safety_identifier` and `metadata` values: the provider logs them.
import { identitySlots } from './identity-slots.ts';
import { fileSlots } from './file-parts.ts';
// Function names: one slot per name, renaming it everywhere the request names it.
import { functionNameSlots } from './name-slots.ts';

/** One place in the body that holds text the model reads. */
export interface TextSlot {
  role: string;
  /** Tool-call arguments: JSON text, so a value found there is JSON string content (escapes and all). */
  json?: boolean;
  /** Slots sharing this object are one text to the PII scan (a message's parts, a definition's strings: pii-slots.ts). */
  group?: object;
  /** Read by the provider's logs, never by the model (`user`, `metadata`: identity-slots.ts): the answer does not depend on it. */
  logged?: boolean;
  /** The asker's id (`user`, `safety_identifier`, `metadata` values: identity-slots.ts): personal data
   *  found there keeps no answer out of the semantic cache, as the store's own check leaves it out
   *  (pipeline/cache.ts). Strings no reader covers are `logged` too but do count: one may steer the answer. */
  identity?: true;
  /** Text the scan reads around this slot's, as the model sees it (a function name inside its JSON:
   *  name-slots.ts); what is found there is not the slot's. */
  frame?: readonly [string, string];
  /** Not masked freely: a key name or a field that steers decoding (unread-strings.ts), where a
   *  placeholder changes what the request asks. 'literal' (a stop string, a bad word): masked only
   *  with placeholders the texts the model reads got for the same values, so it still matches what
   *  the model writes; 'never' (a key name, a regex or grammar): never rewritten. Under redact, a
   *  denied value it may not take is answered as under block (pipeline/pii.ts). */
  fixed?: 'literal' | 'never';
  get(): string;
  set(value: string): void;
}

/** Content part fields the model reads as text: vLLM reads a `refusal` part's `refusal` and a
 *  `thinking` part's `thinking` as it does a text part's `text` (chat_utils.py). */
const PART_TEXT_FIELDS = ['text', 'refusal', 'thinking'] as const;

/**
 * Every text the model will read: string contents, text, refusal and thinking parts (also inside tool results), a
 * participant's name, an assistant turn's reasoning and refusal, the arguments of assistant tool calls, and
 * vLLM's `documents` and `chat_template_kwargs` strings (template-texts.ts). Images and other
 * non-text parts are skipped; odd shapes (null content, non-object parts) are skipped rather than thrown on.
 */
export function collectTextSlots(body: ChatBody): TextSlot[] {
  const slots: TextSlot[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const functions = functionNames(body);
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    const role = typeof m.role === 'string' ? m.role : 'unknown';
    if (typeof m.content === 'string') {
      slots.push({ role, get: () => m.content as string, set: (v) => (m.content = v) });
    } else if (Array.isArray(m.content)) {
      const group = {};
      for (const part of m.content) {
        if (!part || typeof part !== 'object') continue;
        const p = part as Record<string, unknown>;
        for (const k of PART_TEXT_FIELDS) {
          if (typeof p[k] === 'string') slots.push({ role, group, get: () => p[k] as string, set: (v) => (p[k] = v) });
        }
        // A file part's name and text contents (file-parts.ts).
        slots.push(...fileSlots(p, role, group));
      }
    }
    const fields = m as Record<string, unknown>;
    // A participant's name (OpenAI's optional `name`) is often a person's name or address; on a tool
    // or function message naming a function of the request it is that name, which the model must see as it is.
    if (readsName(fields.name, scanRole(role), functions)) {
      slots.push({ role, get: () => fields.name as string, set: (v) => (fields.name = v) });
    }
    for (const k of MESSAGE_TEXT_FIELDS) {
      if (typeof fields[k] === 'string') slots.push({ role, get: () => fields[k] as string, set: (v) => (fields[k] = v) });
    }
    const calls = (m as { tool_calls?: unknown }).tool_calls;
    // Tool calls' arguments, and the legacy function_call's (OpenAI still reads it).
    const fns = [...(Array.isArray(calls) ? calls.map((c) => (c && typeof c === 'object' ? (c as { function?: unknown }).function : undefined)) : []), fields.function_call];
    for (const fn of fns as Array<{ arguments?: unknown } | null | undefined>) {
      if (fn && typeof fn === 'object' && typeof fn.arguments === 'string') {
        slots.push({ role, json: true, get: () => fn.arguments as string, set: (v) => (fn.arguments = v) });
      } else if (fn && typeof fn === 'object' && fn.arguments !== null && typeof fn.arguments === 'object') {
        // Arguments sent as an object (vLLM renders them as they are): its strings, read as one text.
        const group = {};
        const inner: TextSlot[] = [];
        stringSlots(fn.arguments as Record<string, unknown>, role, inner);
        for (const x of inner) slots.push({ ...x, group });
      }
    }
  }
  // Ahead of the messages here, so behind them once the PII stage reverses the list (newest turn first).
  return [...identitySlots(body), ...functionNameSlots(body), ...definitionSlots(body), ...bodyTemplateSlots(body), ...slots];
}

/** A restore map read by canonical form too: models retype placeholders (<email_address_1>). */
interface PlaceholderIndex {
  size: number;
  /** Canonical form to value; a form two placeholders share is left out (restored only when exact). */
  byCanonical: Map<string, string>;
  /** Canonical forms of all placeholders, sorted (placeholder-hold.ts searches them). */
  canonicalKeys: string[];
}

const indexes = new WeakMap<ReadonlyMap<string, string>, PlaceholderIndex>();

function indexOf(restore: ReadonlyMap<string, string>): PlaceholderIndex {
  let idx = indexes.get(restore);
  if (idx && idx.size === restore.size) return idx;
  const byCanonical = new Map<string, string>();
  const shared = new Set<string>();
  for (const [p, v] of restore) {
    const c = canonicalPlaceholder(p);
    if (byCanonical.has(c)) shared.add(c);
    byCanonical.set(c, v);
  }
  for (const c of shared) byCanonical.delete(c);
  idx = { size: restore.size, byCanonical, canonicalKeys: [...restore.keys()].map(canonicalPlaceholder).sort() };
  indexes.set(restore, idx);
  return idx;
}

/** Put original values back, also where the model changed a placeholder's case or spacing
 *  (placeholders.ts); placeholders the request did not create are left as they are.
 *  `json`: the text is JSON (tool-call arguments), so brackets may be \u-escaped and a value goes in
 *  JSON-escaped. */
export function restoreText(text: string, restore: ReadonlyMap<string, string>, json = false): string {
  if (!restore.size || (text.indexOf('<') < 0 && !(json && text.includes('\\u003')))) return text;
  const idx = indexOf(restore);
  return text.replace(json ? JSON_PLACEHOLDER : LOOSE_PLACEHOLDER, (p) => {
    const v = restore.get(json ? unescapedBrackets(p) : p) ?? idx.byCanonical.get(canonicalPlaceholder(p));
    return v === undefined ? p : json ? jsonEscaped(v) : v;
  });
}

/**
 * Tool-call arguments are JSON, so a placeholder there sits inside a JSON string: the value goes
 * back JSON-escaped. Restore values are plain text (maskText decodes what it takes from arguments),
 * so every value is escaped. Guessing instead ("already reads as JSON, leave it") turned a plain
 * 'DOMAIN\new_user' into a newline for the client's JSON.parse.
 */
export function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * Restores one streamed field (a choice's content, say). A placeholder may arrive split over chunks
 * ("<EMAIL_AD" + "DRESS_1>"), so the restorer holds back the shortest tail that could still become a
 * placeholder of this request and releases everything else at once.
 */
export class StreamRestorer {
  private held = '';
  private readonly keys: string[];
  constructor(
    private readonly restore: ReadonlyMap<string, string>,
    /** The field is JSON text (tool-call arguments): see restoreText. */
    private readonly json = false,
  ) {
    this.keys = indexOf(restore).canonicalKeys;
  }

  push(piece: string): string {
    const buf = this.held + piece;
    const cut = this.holdFrom(buf);
    this.held = buf.slice(cut);
    return restoreText(buf.slice(0, cut), this.restore, this.json);
  }

  /** End of the field: whatever is held was not a placeholder after all. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return restoreText(rest, this.restore, this.json);
  }

  get pending(): boolean {
    return this.held.length > 0;
  }

  private holdFrom(buf: string): number {
    return placeholderHoldFrom(buf, this.keys, this.json);
  }
}

type Json = Record<string, unknown>;

/** Text fields of a message or delta that may quote a placeholder; OpenAI puts a declined answer in `refusal`. */
const TEXT_FIELDS = ['content', ...MESSAGE_TEXT_FIELDS];

/**
 * Whether the request asks for a JSON answer (response_format json_object / json_schema, vLLM's
 * guided_json or structured_outputs json / json_object): its content is then JSON text, a
 * placeholder there sits in a JSON string, and its value goes back JSON-escaped, as into tool-call
 * arguments (restored raw, an address's newline broke the JSON the client parses).
 */
export function answersJson(body: ChatBody): boolean {
  const b = body as Record<string, unknown>;
  const rf = b.response_format as { type?: unknown } | null | undefined;
  const so = b.structured_outputs as Record<string, unknown> | null | undefined;
  const set = (v: unknown) => v !== undefined && v !== null && v !== false;
  return (!!rf && typeof rf === 'object' && (rf.type === 'json_object' || rf.type === 'json_schema')) || set(b.guided_json) || (!!so && typeof so === 'object' && (set(so.json) || set(so.json_object)));
}

/** Response tap that restores values in a JSON completion and in every streamed chunk.
 *  `jsonContent`: the answer's content is JSON text (answersJson). */
export function restoreTap(restore: ReadonlyMap<string, string>, jsonContent = false): ResponseTap {
  // Per choice index, its fields' restorers: finishing a choice touches only its own. One flat map
  // read whole per finishing choice cost choices^2 (16,000 choices in one chunk: 10.9 s of one core).
  const streams: ChoiceStreams = new Map();
  const tokenText = (t: string) => restoreText(t, restore);
  let last: Json | undefined;
  const field = (ci: string, key: string, json = false) => {
    let fields = streams.get(ci);
    if (!fields) streams.set(ci, (fields = new Map()));
    let r = fields.get(key);
    if (!r) fields.set(key, (r = new StreamRestorer(restore, json)));
    return r;
  };
  return {
    name: 'pii-restore',
    json(input) {
      // A new object: the forwarder re-serialises only when a tap returns something other than its input.
      const completion = structuredClone(input);
      for (const choice of arr(completion.choices)) {
        restoreLogprobs(choice, tokenText);
        const msg = obj(choice.message);
        if (!msg) continue;
        for (const k of TEXT_FIELDS) if (typeof msg[k] === 'string') msg[k] = restoreText(msg[k] as string, restore, jsonContent && k === 'content');
        // Tool calls, and the legacy function_call (the answer to a client's `functions`): their
        // arguments, and their names (a masked function name: name-slots.ts).
        for (const fn of [...arr(msg.tool_calls).map((call) => obj(call.function)), obj(msg.function_call)]) {
          if (fn && typeof fn.arguments === 'string') fn.arguments = restoreText(fn.arguments, restore, true);
          if (fn && typeof fn.name === 'string') fn.name = restoreText(fn.name, restore);
        }
      }
      return completion;
    },
    chunk(chunk) {
      last = chunk;
      for (const choice of arr(chunk.choices)) {
        const ci = String(choice.index ?? 0);
        restoreLogprobs(choice, tokenText);
        const delta = obj(choice.delta);
        const finishing = choice.finish_reason !== null && choice.finish_reason !== undefined;
        if (delta) {
          for (const k of TEXT_FIELDS) {
            if (typeof delta[k] === 'string') delta[k] = field(ci, k, jsonContent && k === 'content').push(delta[k] as string);
          }
          // A streamed call's name comes whole in one delta (vLLM's tool parsers, OpenAI; the SDKs
          // keep the last name delta rather than joining them), so it is restored as it comes.
          for (const call of arr(delta.tool_calls)) {
            const fn = obj(call.function);
            if (fn && typeof fn.arguments === 'string') fn.arguments = field(ci, `tool/${String(call.index ?? 0)}`, true).push(fn.arguments);
            if (fn && typeof fn.name === 'string') fn.name = restoreText(fn.name, restore);
          }
          const legacy = obj(delta.function_call);
          if (legacy && typeof legacy.arguments === 'string') legacy.arguments = field(ci, FUNCTION_CALL, true).push(legacy.arguments);
          if (legacy && typeof legacy.name === 'string') legacy.name = restoreText(legacy.name, restore);
        }
        if (finishing) flushChoice(ci, choice, streams);
      }
      return chunk;
    },
    // A choice that never got a finish_reason (a cut or non-conforming upstream) still has its held
    // text: one closing chunk per such choice carries it, so the client loses nothing.
    end() {
      const out: Json[] = [];
      for (const [ci, fields] of streams) {
        if (![...fields.values()].some((r) => r.pending)) continue;
        const choice: Json = { index: Number(ci), delta: {}, finish_reason: null };
        flushChoice(ci, choice, streams);
        out.push({ id: last?.id, object: 'chat.completion.chunk', created: last?.created, model: last?.model, choices: [choice] });
      }
      return out;
    },
  };
}

/** Choice index -> field key ("content", "tool/<call index>", FUNCTION_CALL) -> its restorer. */
type ChoiceStreams = Map<string, Map<string, StreamRestorer>>;
/** The key of a legacy function_call's arguments (no message field has a slash in its name). */
const FUNCTION_CALL = 'function_call/arguments';

/** The choice's last chunk carries everything still held, so nothing is lost at the end. */
function flushChoice(ci: string, choice: Json, streams: ChoiceStreams): void {
  // The delta's tool calls by index (the first of an index), made once: a find per held call was calls^2.
  let byIndex: Map<number, Json> | undefined;
  for (const [key, r] of streams.get(ci) ?? []) {
    if (!r.pending) continue;
    const rest = r.flush();
    let delta = obj(choice.delta);
    if (!delta) choice.delta = delta = {};
    const parts = key.split('/');
    if (parts[0] === 'tool') {
      const calls = Array.isArray(delta.tool_calls) ? (delta.tool_calls as Json[]) : (delta.tool_calls = [] as Json[]);
      if (!byIndex) {
        byIndex = new Map();
        for (const c of calls) if (c && typeof c === 'object' && !byIndex.has(Number(c.index ?? 0))) byIndex.set(Number(c.index ?? 0), c);
      }
      const idx = Number(parts[1]);
      let call = byIndex.get(idx);
      if (!call) {
        calls.push((call = { index: idx, function: { arguments: '' } }));
        byIndex.set(idx, call);
      }
      const fn = obj(call.function) ?? (call.function = {} as Json);
      (fn as Json).arguments = String((fn as Json).arguments ?? '') + rest;
    } else if (key === FUNCTION_CALL) {
      const fn = obj(delta.function_call) ?? (delta.function_call = {} as Json);
      (fn as Json).arguments = String((fn as Json).arguments ?? '') + rest;
    } else {
      delta[key] = String(typeof delta[key] === 'string' ? delta[key] : '') + rest;
    }
  }
}

function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : [];
}

function obj(v: unknown): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
