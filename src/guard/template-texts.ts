// Text a vLLM chat template shows the model besides message contents and tool texts (tool-texts.ts),
// which the guards did not read: a participant's `name`, messages of roles other than the five chat
// ones (below, scanRole), vLLM's `documents` (RAG documents that templates such as Granite's and Command-R's render
// into the prompt), the string values of `chat_template_kwargs` (a template renders whatever
// variables it names) and a request's own `chat_template`. Each carries the role whose scan_roles
// entry covers it: a message field its message's role; documents 'tool' (retrieved content, as a
// tool result is); the template and its variables 'system' (written by the application, as the
// system prompt is), so the default scan (user) adds no scan of application-written text.
// An assistant turn's reasoning_content / reasoning (agents send it back; vLLM hands it to the
// template) is read by the PII policy in every turn (redaction.ts), and by the jailbreak scan, with
// `assistant`: here the turns after the latest user message (Qwen3's, DeepSeek-V3.1's and gpt-oss's
// templates render the reasoning of that tool-call loop), and every earlier turn's in
// assistant-fields.ts (templates that keep interleaved thinking render those too), at the cost of
// false positives in that opt-in mode (the pack reads some ordinary traces as attacks).
import type { TextSlot } from './redaction.ts';
import type { ChatMessage } from '../pipeline/context.ts';
import { messageText } from '../pipeline/texts.ts';
import { definitionSlots } from './definition-slots.ts';
import { identitySlots } from './identity-slots.ts';
import { fileText } from './file-parts.ts';
import { functionNameSet, functionNameTexts } from './name-slots.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Message fields besides content that go back to the model (reasoning: DeepSeek's and newer vLLM's names). */
export const MESSAGE_TEXT_FIELDS = ['reasoning_content', 'reasoning', 'refusal'] as const;

/**
 * Function names the request declares (tools, legacy functions), forces (tool_choice, function_call)
 * or calls (assistant tool_calls, function_call). A tool or function message's `name` that is one of them names its function, an
 * identifier the model must see as it is; any other (vLLM hands every message's name to the
 * template) is read as the message's other texts are: an address or an injection there reached the model.
 * The set is name-slots.ts's, which reads such a name as the function's: with a narrower one here a
 * name forced only by tool_choice was also read bare as a participant's ('julia' PERSON 0.99), a
 * second slot over the same field that masked the result's name and not tool_choice's.
 */
export function functionNames(body: unknown): Set<string> {
  return functionNameSet(body);
}

/** Whether a message's `name` is text to read: any role's, but a tool message's only when it names no function of the request. */
export function readsName(name: unknown, role: string, functions: ReadonlySet<string>): name is string {
  return typeof name === 'string' && (role !== 'tool' || !functions.has(name));
}

/** Adds `text` unless it is empty (a part that is no file has none; an empty text would count against max_texts). */
const pushText = (out: string[], text: string) => void (text && out.push(text));

/** An assistant turn's reasoning, under DeepSeek's and newer vLLM's names. */
const REASONING_FIELDS = ['reasoning_content', 'reasoning'] as const;

const KNOWN_ROLES = new Set(['user', 'system', 'developer', 'assistant', 'tool', 'function']);

/**
 * The scan role of a message role, as texts.ts files them (developer is system, function is tool).
 * vLLM takes any role string and hands it to the template: Llama 3's renders every role it does not
 * know as a turn of its own (and `ipython` is its tool result), so such a message's text reached the
 * model whatever scan_roles said. `ipython` scans as tool; any other role as user (client text).
 */
export function scanRole(role: unknown): string {
  if (role === 'developer') return 'system';
  if (role === 'function' || role === 'ipython') return 'tool';
  return typeof role === 'string' && KNOWN_ROLES.has(role) ? role : 'user';
}

/**
 * Slots (readable and writable, for the PII redaction) of the request fields outside `messages`
 * that a template renders: each string of each document, each string value in
 * chat_template_kwargs (nested ones too). The template itself is not a slot: rewriting it could break
 * its syntax, and it is the application's, not the user's.
 */
export function bodyTemplateSlots(body: unknown): TextSlot[] {
  if (!isObj(body)) return [];
  const slots: TextSlot[] = [];
  if (Array.isArray(body.documents)) stringSlots(body.documents, 'tool', slots);
  if (isObj(body.chat_template_kwargs)) stringSlots(body.chat_template_kwargs, 'system', slots);
  return slots;
}

/**
 * Every string under `holder`, in document order, as slots. Walked with a stack of its own, to any
 * depth: a cut at 16 levels let a value nested deeper reach the model unread, and a passed-through
 * body has no depth cap that would keep recursion off the call stack's limit.
 */
export function stringSlots(holder: Record<string, unknown> | unknown[], role: string, out: TextSlot[]): void {
  const todo: Array<Record<string, unknown>> = [holder as Record<string, unknown>];
  while (todo.length) {
    const h = todo.pop()!;
    const nested: Array<Record<string, unknown>> = [];
    for (const k of Object.keys(h)) {
      const v = h[k];
      if (typeof v === 'string') out.push({ role, get: () => h[k] as string, set: (x) => (h[k] = x) });
      else if (v !== null && typeof v === 'object') nested.push(v as Record<string, unknown>);
    }
    for (let i = nested.length - 1; i >= 0; i--) todo.push(nested[i]!);
  }
}

/** What the jailbreak scan adds for `roles`: message names, the current turn's reasoning and other-role messages (newest first), documents, kwargs strings, the template. */
export function templateTexts(body: unknown, roles: readonly string[]): string[] {
  if (!isObj(body)) return [];
  const out: string[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const functions = functionNames(body);
  let current = true; // still in the turns after the latest user message
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isObj(m)) continue;
    const role = scanRole(m.role);
    if (role === 'user') current = false;
    if (!roles.includes(role)) continue;
    if (current && role === 'assistant') for (const k of REASONING_FIELDS) if (typeof m[k] === 'string') out.push(m[k] as string);
    // Content of a role outside the chat five. Chat's texts (texts.ts textRole) and, since beb6aa6, a
    // passed-through route's (passthroughTexts files by textRole) hold it already, ipython as tool and
    // any other role as user, so on both this read repeats what the list holds (textsToScan drops it
    // when the text is the same).
    if (typeof m.role !== 'string' || !KNOWN_ROLES.has(m.role)) out.push(messageText(m.content as ChatMessage['content']));
    // File parts: the name and a text file's contents (file-parts.ts).
    if (Array.isArray(m.content)) for (const p of m.content) pushText(out, fileText(p));
    // A tool message's name is its function's when the request declares or calls that function.
    if (readsName(m.name, role, functions)) out.push(m.name);
  }
  // A document's fields (title, text, ...) are one text, as the template shows them together.
  if (roles.includes('tool') && Array.isArray(body.documents)) {
    for (const d of body.documents) {
      const parts: TextSlot[] = [];
      if (typeof d === 'string') out.push(d);
      else if (d !== null && typeof d === 'object') stringSlots(d as Record<string, unknown>, 'tool', parts);
      if (parts.length) out.push(parts.map((p) => p.get()).join('\n'));
    }
  }
  if (roles.includes('system')) {
    if (isObj(body.chat_template_kwargs)) {
      const parts: TextSlot[] = [];
      stringSlots(body.chat_template_kwargs, 'system', parts);
      for (const p of parts) out.push(p.get());
    }
    if (typeof body.chat_template === 'string') out.push(body.chat_template);
  }
  return out;
}

/**
 * For a passed-through body (/invocations serving a chat, whose bytes go as sent): the texts the PII
 * policy reads on chat besides contents (redaction.ts collectTextSlots), which passthroughTexts
 * leaves out: names, reasoning and refusal fields, assistant tool-call arguments, documents,
 * chat_template_kwargs strings, and tool definitions, structured-output schemas and prediction
 * content (definition-slots.ts).
 */
export function piiExtraTexts(body: unknown): string[] {
  if (!isObj(body)) return [];
  const out: string[] = [];
  const functions = functionNames(body);
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObj(m)) continue;
    if (readsName(m.name, scanRole(m.role), functions)) out.push(m.name);
    if (Array.isArray(m.content)) for (const p of m.content) pushText(out, fileText(p));
    for (const k of MESSAGE_TEXT_FIELDS) if (typeof m[k] === 'string') out.push(m[k] as string);
    for (const c of [...(Array.isArray(m.tool_calls) ? m.tool_calls : []), { function: m.function_call }]) {
      const fn = isObj(c) ? c.function : undefined;
      if (isObj(fn) && typeof fn.arguments === 'string') out.push(fn.arguments);
      else if (isObj(fn) && fn.arguments !== null && typeof fn.arguments === 'object') out.push(JSON.stringify(fn.arguments));
    }
  }
  for (const s of bodyTemplateSlots(body)) out.push(s.get());
  // Function names (definitions, tool_choice, calls: name-slots.ts).
  for (const n of functionNameTexts(body)) out.push(n);
  // Tool definitions (and their property names), structured-output schemas, prediction content.
  const names: string[] = [];
  for (const s of definitionSlots(body, names)) out.push(s.get());
  if (names.length) out.push(names.join('\n'));
  // user, safety_identifier, metadata values: logged by the provider (identity-slots.ts).
  for (const s of identitySlots(body)) out.push(s.get());
  return out;
}
