// Step 1 of the request walk: validate a parsed OpenAI chat body and build the PipelineContext.
import type { ChatBody, ChatMessage, PipelineContext } from './context.ts';
import { badRequest, GatewayError } from './errors.ts';
import { extractTexts } from './texts.ts';
import { mayHoldInexact, markUnsafeIntegers, restoreExactIntegers } from './exact-integers.ts';
import type { CancelSignal } from '../upstream/types.ts';
import { laxBool, laxFloat, laxInt } from './lax-values.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// Only a text with a 3-digit exponent can hold a number that JSON.parse makes non-finite (1e400);
// others skip the walk (tested only where mayHoldInexact, whose pattern this one implies).
const MAYBE_INFINITE = /[eE]\+?\d{3}/;

/**
 * Deepest nesting of arrays and objects accepted. JSON.parse reads any depth, but the body is
 * re-serialised (JSON.stringify recurses: about 5,000 levels overflow the stack) and walked; a
 * deeper body got a 500. Real chat bodies (tool schemas included) stay far below this.
 */
export const MAX_JSON_DEPTH = 512;

export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', 'invalid_json');
  }
  // Integers beyond 2^53 (a 64-bit seed) are kept as written: parsed again with their literals marked.
  const maybe = mayHoldInexact(text);
  const kept = maybe ? markUnsafeIntegers(text) : undefined;
  if (kept) value = JSON.parse(kept.text);
  // Each level takes two characters, so only a text this long can be too deep.
  if (text.length > 2 * MAX_JSON_DEPTH && depthExceeds(value, MAX_JSON_DEPTH)) {
    throw badRequest(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`, 'nested_too_deep');
  }
  if (maybe && MAYBE_INFINITE.test(text)) {
    const at = infiniteNumberAt(value);
    if (at !== undefined) {
      // Python's json reads inf where JSON.stringify writes null: refuse rather than forward another value.
      const param = /^\w{1,64}$/.test(at) ? at : null;
      throw badRequest(`Invalid number${param ? ` for '${param}'` : ''}: it is outside the range of a double (finite numbers only).`, 'invalid_number', param);
    }
  }
  return kept ? restoreExactIntegers(value, kept) : value;
}

/** Whether arrays/objects nest deeper than `max`; iterative, so any depth is measured safely. */
function depthExceeds(root: unknown, max: number): boolean {
  if (root === null || typeof root !== 'object') return false;
  const todo: Array<[object, number]> = [[root, 1]];
  while (todo.length) {
    const [v, d] = todo.pop()!;
    if (d > max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === 'object') todo.push([x, d + 1]);
  }
  return false;
}

/** The top-level key (or '' for the root) under which a non-finite number sits. */
function infiniteNumberAt(v: unknown, top = ''): string | undefined {
  if (typeof v === 'number') return !Number.isFinite(v) ? top : undefined;
  if (v === null || typeof v !== 'object') return undefined;
  for (const [k, x] of Object.entries(v)) {
    const at = infiniteNumberAt(x, top || (Array.isArray(v) ? '' : k));
    if (at !== undefined) return at;
  }
  return undefined;
}

/**
 * Checks the fields the gateway reads; everything else is forwarded untouched for the upstream to judge.
 * `defaultModel`: the model of a request that names none. vLLM's `model` is optional (left out, null
 * or "": its served model), so a client written against one vLLM sends none; it gets default_model
 * here, written into the body (the Production Stack router picks the engine by it). Without it, a
 * request with no model is refused.
 */
export function validateChatBody(raw: unknown, defaultModel?: string): ChatBody {
  if (!isObject(raw)) throw badRequest('The request body must be a JSON object.', 'invalid_type');
  if (defaultModel && (raw.model === undefined || raw.model === null || raw.model === '')) raw.model = defaultModel;
  if (typeof raw.model !== 'string' || !raw.model) {
    throw badRequest(raw.model === undefined ? "Missing required parameter: 'model'." : "Invalid type for 'model': expected a non-empty string.", raw.model === undefined ? 'missing_required_parameter' : 'invalid_type', 'model');
  }
  const messages = raw.messages;
  if (messages === undefined) throw badRequest("Missing required parameter: 'messages'.", 'missing_required_parameter', 'messages');
  if (!Array.isArray(messages)) throw badRequest("Invalid type for 'messages': expected an array.", 'invalid_type', 'messages');
  if (messages.length === 0) throw badRequest("Invalid 'messages': empty array. Expected at least one message.", 'empty_array', 'messages');
  messages.forEach((m, i) => validateMessage(m, i));
  readLaxFields(raw);
  // After the body's checks: vLLM validates the request before it looks the model up.
  if (!raw.model.trim()) throw blankModel(raw.model);
  return raw as ChatBody;
}

/**
 * A blank name ("   "): vLLM serves its own model only when the name is missing or "" (`if not
 * model_name`), so this is a name no engine serves, which it answers 404 NotFoundError; so does the
 * gateway, without forwarding. Quoted as vLLM quotes it, unless long (a megabyte of spaces is not echoed).
 */
function blankModel(model: string): GatewayError {
  const name = model.length <= 64 ? `\`${model}\`` : `(${model.length} blank characters)`;
  return new GatewayError(404, `The model ${name} does not exist.`, 'invalid_request_error', 'model_not_found', 'model');
}

/**
 * `stream`, `n` and `temperature` as vLLM reads them (lax-values.ts): "true", 1 or "yes" stream there,
 * so they stream here, "2" is two choices and "0.7" a temperature of 0.7. The value is written back in
 * its JSON type, so every reader of the body (and the upstream, which reads it the same) sees one
 * meaning; a value vLLM refuses is refused here too, with a 400 (the gateway may answer itself: a
 * cache hit, a guard's block).
 */
function readLaxFields(raw: Record<string, unknown>): void {
  if (raw.stream !== undefined) {
    const stream = laxBool(raw.stream);
    if (stream === undefined) throw badRequest("Invalid type for 'stream': expected a boolean.", 'invalid_type', 'stream');
    // A false one stays as written (every reader here tests `stream === true`): vLLM's check that
    // stream_options comes with a stream reads the raw value's truthiness, so "false" with
    // stream_options passes it there, and a written-back false would fail it.
    if (stream) raw.stream = true;
  }
  if (raw.n !== undefined) {
    const n = laxInt(raw.n);
    if (n === undefined) throw badRequest("Invalid type for 'n': expected an integer.", 'invalid_type', 'n');
    // An integer past 2^53 stays as written (an ExactInteger); vLLM judges it.
    if (n !== Infinity) raw.n = n;
  }
  // Read by the semantic cache (cache_non_deterministic: false keeps temperature > 0 out of it).
  if (raw.temperature !== undefined) {
    const t = laxFloat(raw.temperature);
    if (t === undefined) throw badRequest("Invalid type for 'temperature': expected a number.", 'invalid_type', 'temperature');
    // "nan", "inf" and a 2^53+ integer stay as written (laxFloat's NaN): vLLM judges them.
    if (!Number.isNaN(t)) raw.temperature = t;
  }
}

/** Keys of the type-less content parts vLLM accepts (chat_utils.py _parse_chat_message_content_mm_part). */
const SIMPLE_MEDIA = ['image_url', 'audio_url', 'input_audio', 'video_url'] as const;

function validateMessage(m: unknown, i: number): asserts m is ChatMessage {
  const at = `messages[${i}]`;
  if (!isObject(m)) throw badRequest(`Invalid type for '${at}': expected an object.`, 'invalid_type', at);
  if (typeof m.role !== 'string' || !m.role) throw badRequest(`Missing or invalid '${at}.role': expected a string.`, 'invalid_type', `${at}.role`);
  const c = m.content;
  if (c === undefined || c === null || typeof c === 'string') return;
  if (!Array.isArray(c)) throw badRequest(`Invalid type for '${at}.content': expected a string or an array of content parts.`, 'invalid_type', `${at}.content`);
  c.forEach((p, j) => {
    // vLLM reads a bare string in a content array as a text part: written as one, so the classifiers,
    // the guards and the PII redaction (which read text parts) read it as the model does.
    if (typeof p === 'string') {
      c[j] = { type: 'text', text: p };
      return;
    }
    // vLLM's simple media forms ({"image_url": "https://..."}, no type) are no text: passed on as sent.
    if (isObject(p) && p.type === undefined && SIMPLE_MEDIA.some((k) => p[k] !== undefined && p[k] !== null)) return;
    if (!isObject(p) || typeof p.type !== 'string') {
      throw badRequest(`Invalid '${at}.content[${j}]': expected an object with a 'type'.`, 'invalid_type', `${at}.content[${j}]`);
    }
    if (p.type === 'text' && typeof p.text !== 'string') {
      throw badRequest(`Invalid '${at}.content[${j}].text': expected a string.`, 'invalid_type', `${at}.content[${j}].text`);
    }
  });
}

/** A streaming client asked for the final usage chunk (stream_options.include_usage), as vLLM reads it. */
export function includeUsage(body: ChatBody): boolean {
  return usageAsked(body) === true;
}

/**
 * stream_options.include_usage as vLLM's pydantic model reads it (lax mode), so the gateway keeps a
 * usage chunk vLLM sends: StreamOptions.include_usage defaults to True (`stream_options: {}` asks),
 * None (null) does not ask, and a bool is also read from "true"/"yes"/"on"/"t"/"y"/"1" (any case),
 * 1 or 1.0, and false from their opposites and 0. Undefined: a value vLLM refuses (bool_parsing, or a
 * stream_options that is no object), which the upstream is left to judge.
 */
export function usageAsked(body: ChatBody): boolean | undefined {
  const so = body.stream_options;
  if (so === undefined || so === null) return false;
  if (typeof so !== 'object' || Array.isArray(so)) return undefined;
  if (!('include_usage' in so)) return true;
  const v = laxBool((so as { include_usage?: unknown }).include_usage);
  // null (None) does not ask: falsy where vLLM tests it.
  return v === null ? false : v;
}

export interface ContextInput {
  requestId: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: ChatBody;
  startedMs: number;
  signal?: CancelSignal;
}

export function buildContext(input: ContextInput): PipelineContext {
  const { body } = input;
  const accept = input.headers['accept'] ?? '';
  return {
    requestId: input.requestId,
    headers: input.headers,
    body,
    requestedModel: body.model,
    // The reference treats `Accept: text/event-stream` as a streaming client too.
    stream: body.stream === true || (body.stream === undefined && accept.toLowerCase().includes('text/event-stream')),
    texts: extractTexts(body.messages),
    responseHeaders: { 'x-request-id': input.requestId },
    taps: [],
    startedMs: input.startedMs,
    signal: input.signal,
  };
}
