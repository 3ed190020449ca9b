// The jailbreak guard on the passed-through routes a model generates from: /v1/completions,
// /v1/responses and /v1/messages reach the same models as chat, so forwarding them unscanned was a
// way around prompt_guard for any client that sent its injection there. Their texts go through the
// chat guard stage (same pack, threshold, scan_roles, budget, on_error, normalisation); the body's
// bytes are still forwarded as sent. pii_policy (what a model may see) also reads /v1/embeddings: an
// embedding model sees its input. Scoring, tokenize and audio routes are not scanned. Parts no guard
// reads (images, audio, binary files) are refused for a restricting model (unscannable.ts).
import type { AppDeps } from '../deps.ts';
import type { ChatBody, PipelineContext, RequestTexts } from '../pipeline/context.ts';
import type { RefusalResponse } from '../pipeline/context.ts';
import type { RequestErrorReason } from '../observability/label-values.ts';
import { guardStage, overBudget } from '../pipeline/guard.ts';
import { piiUnavailable } from '../pipeline/pii.ts';
import { modelLabel } from '../pipeline/categories.ts';
import { textRole } from '../pipeline/texts.ts';
import { guardSettings, packWindowChars } from '../guard/settings.ts';
import { deniedTypes, policyOf, restricts, type PiiPolicy } from '../guard/pii-policy.ts';
import { jailbreakStageSpan, piiStageSpan, piiVerdict } from '../observability/stage-spans.ts';
import { scanPii } from '../guard/pii-scan.ts';
import { BudgetMeter } from '../guard/budget.ts';
import { guardErrorResponse } from '../guard/immediate-responses.ts';
import { errorResponse } from './errors.ts';
import { decodeBody, type BodyModel } from './passthrough-body.ts';
import { piiExtraTexts, stringSlots } from '../guard/template-texts.ts';
import { nameText } from '../guard/name-slots.ts';
import type { TextSlot } from '../guard/redaction.ts';
import { hasUnscannablePart, unreadableMedia, unreadableUnder, unscannableResponse } from '../guard/unscannable.ts';
import { fileText } from '../guard/file-parts.ts';
import { unreadText } from '../guard/unread-strings.ts';

// /invocations is vLLM's SageMaker route: it serves a chat, a completion or an embedding by the body's
// shape, so listed in server.passthrough_paths it would be chat without the guard. An image model
// draws its prompt as a chat model answers one.
export const GUARDED_ROUTES: ReadonlySet<string> = new Set(['/v1/completions', '/v1/responses', '/v1/messages', '/invocations', '/v1/images/generations']);

/** Routes read by pii_policy only: the model sees the texts but generates nothing from them (an
 *  embedding, scores, a pooled vector, speech of the given words), so an injection there steers
 *  nothing and the jailbreak guard does not read them. /tokenize and /detokenize run no model. */
export const PII_ONLY_ROUTES: ReadonlySet<string> = new Set(['/v1/embeddings', '/v1/audio/speech', '/v1/rerank', '/rerank', '/v1/score', '/score', '/pooling', '/classify']);

/** Uploads of audio or images (multipart) no guard reads: refused for a restricting model, passed as
 *  sent otherwise. ext_proc reads them only while some model's pii_policy restricts (0c6c2f6), so it
 *  does not buffer every upload when nothing could refuse one. */
export const MEDIA_ROUTES: ReadonlySet<string> = new Set(['/v1/audio/transcriptions', '/v1/audio/translations', '/v1/images/edits', '/v1/images/variations']);

/** Body fields the model of a PII_ONLY route reads (their strings at any depth: strings, lists, {content: parts}). */
const READ_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '/v1/audio/speech': ['input', 'instructions'],
  '/v1/rerank': ['query', 'documents'],
  '/rerank': ['query', 'documents'],
  '/v1/score': ['text_1', 'text_2', 'queries', 'documents', 'data_1', 'data_2'],
  '/score': ['text_1', 'text_2', 'queries', 'documents', 'data_1', 'data_2'],
  '/pooling': ['input'],
  '/classify': ['input'],
};
/** Routes whose `input` may be token ids (no text to check), as /v1/embeddings'. */
const INPUT_ROUTES = new Set(['/v1/embeddings', '/pooling', '/classify']);

export interface PassthroughGuard {
  /** An answer instead of the upstream's (blocked, unreadable, over budget, guard unavailable). */
  response?: Response;
  /** With a response: its llm_request_errors_total reason, counted by the caller as chat counts its own. */
  reason?: RequestErrorReason;
  /** Headers for the upstream's answer (x-vsr-jailbreak-flagged, x-vsr-guard-partial). */
  headers: Record<string, string>;
}

export async function guardPassthrough(
  deps: AppDeps,
  route: string,
  requestId: string,
  body: Uint8Array | undefined,
  contentEncoding: string | null,
  read: BodyModel,
): Promise<PassthroughGuard> {
  const model = read.model;
  const media = MEDIA_ROUTES.has(route);
  if ((!GUARDED_ROUTES.has(route) && !PII_ONLY_ROUTES.has(route) && !media) || !body?.byteLength) return { headers: {} };
  const jailbreak = GUARDED_ROUTES.has(route) && guardSettings(deps.config).guardEnabled;
  // A body that names no model (or that cannot be read, so names none we know) may reach any model:
  // the engine serves its own when the name is missing. Every restricting policy applies to it.
  const policies = model === undefined ? restrictingPolicies(deps.config) : [policyOf(deps.config, model)].filter(restricts) as PiiPolicy[];
  if (!jailbreak && policies.length === 0) return { headers: {} };
  const idHeader = { 'x-request-id': requestId };
  if (media) return refuseUnreadable(route.includes('audio') ? 'audio' : 'image', idHeader);
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc && enc !== 'identity') {
    return refuse(415, `Unsupported content encoding '${enc.slice(0, 40)}': the guardrails read ${route} bodies, send them uncompressed.`, 'unsupported_content_encoding', idHeader, 'parse_error');
  }
  let parsed: unknown;
  let utf8 = read.json?.utf8 ?? true;
  try {
    // Parsed once: modelOf's JSON when it read the body as JSON, else here (any content type).
    if (read.json) parsed = read.json.value;
    else {
      const decoded = decodeBody(body);
      utf8 = decoded.utf8;
      parsed = JSON.parse(decoded.text);
    }
  } catch {
    // The engine's parser takes more than JSON.parse does (Python's json reads NaN and Infinity):
    // a body the guard cannot read is refused rather than forwarded unscanned.
    return refuse(400, 'We could not parse the JSON body of your request.', 'invalid_json', idHeader, 'parse_error');
  }
  if (!utf8 && policies.length) {
    // Read with U+FFFD in place of its bad bytes, a key ("input\xc0\xaf") is no key a reader knows and
    // a value is not what the engine gets: chat's 400 (body.ts), rather than a scan of other text.
    return refuse(400, 'We could not parse the JSON body of your request: it is not valid UTF-8.', 'invalid_json', idHeader, 'parse_error');
  }
  if ((route === '/v1/completions' || route === '/invocations') && !textPrompt(parsed)) {
    // Token ids (any client gets them from the passed-through /tokenize) and prompt_embeds are what
    // the model reads, but hold no text for the guards: refused rather than forwarded unread.
    return refuse(400, 'The guardrails read /v1/completions prompts as text: send `prompt` as a string or a list of strings (token ids and prompt_embeds cannot be checked).', 'unscannable_prompt', idHeader, 'unscannable_prompt', 'prompt');
  }
  if (INPUT_ROUTES.has(route) && !textInput(parsed)) {
    // Reached with a restricting pii_policy only (no jailbreak guard here): token ids hold no text to check.
    return refuse(400, `The PII policy reads ${route} input as text: send \`input\` as a string or a list of strings (token ids cannot be checked).`, 'unscannable_prompt', idHeader, 'unscannable_prompt', 'input');
  }
  // A prompt_embeds content part in messages or input items: as chat refuses it (unscannable.ts).
  if (hasUnscannablePart(parsed)) {
    const r = unscannableResponse();
    return { response: new Response(r.body, { status: r.status, headers: { ...idHeader, 'content-type': r.contentType } }), reason: 'unscannable_prompt', headers: {} };
  }
  // Images, audio, binary files: no detector reads them, so a restricting model is not sent them.
  const part = policies.length ? (unreadableMedia(parsed) ?? (READ_FIELDS[route] && isObj(parsed) ? unreadableUnder(READ_FIELDS[route]!.map((k) => parsed[k])) : undefined)) : undefined;
  if (part) return refuseUnreadable(part, idHeader);
  const ctx = {
    requestId,
    headers: {},
    // The body as it came: the guard stage reads its tool definitions (scan_roles: system) as on chat;
    // /v1/responses and /v1/messages list them flat ({name, description, parameters | input_schema}).
    body: (isObj(parsed) ? parsed : {}) as unknown as ChatBody,
    requestedModel: '',
    stream: false,
    texts: passthroughTexts(route, parsed),
    responseHeaders: {},
    taps: [],
    startedMs: deps.clock.now(),
  } as unknown as PipelineContext;
  const r = jailbreak ? await jailbreakStageSpan(() => guardStage(deps, ctx), () => ctx.responseHeaders as Record<string, string>) : undefined;
  const headers = ctx.responseHeaders as Record<string, string>;
  if (!r) {
    const pii = policies.length ? await piiStageSpan(() => piiCheck(deps, ctx, policies, model, parsed, decodeBody(body).text)) : undefined;
    return pii ? { response: new Response(pii.body, { status: pii.status, headers: { ...pii.headers, ...idHeader, 'content-type': pii.contentType } }), reason: pii.reason, headers } : { headers };
  }
  if (r.reason !== 'jailbreak_block') {
    return { response: new Response(r.body, { status: r.status, headers: { ...r.headers, ...idHeader, 'content-type': r.contentType } }), reason: r.reason, headers };
  }
  // Chat answers a block with a content_filter completion; these routes have other answer shapes,
  // so the block is an OpenAI error every SDK raises, with the chat path's headers.
  const type = r.headers['x-vsr-jailbreak-type'] ?? 'jailbreak';
  const conf = r.headers['x-vsr-jailbreak-confidence'] ?? '';
  return {
    response: errorResponse(400, `The request was blocked: it appears to contain a jailbreak attempt (type: ${type}, confidence: ${conf}).`, 'invalid_request_error', 'jailbreak_detected', null, { ...r.headers, ...idHeader }),
    reason: 'jailbreak_block',
    headers,
  };
}

/**
 * A model whose pii_policy denies a type found in the texts (any role) is not sent them. Chat picks
 * another model or redacts; the bytes of these routes go as sent, so a denied type is refused: 400
 * pii_policy_denied (the types only, never the values), x-vsr-pii-violation: true.
 */
async function piiCheck(deps: AppDeps, ctx: PipelineContext, policies: PiiPolicy[], model: string | undefined, parsed: unknown, source: string): Promise<RefusalResponse | undefined> {
  const s = guardSettings(deps.config);
  const label = model === undefined ? 'unknown' : modelLabel(deps.config, model);
  const detector = deps.classifiers.pii(s.piiPack);
  if (!detector) {
    deps.logger.error({ request_id: ctx.requestId, model: label }, 'PII policy configured but no PII pack is loaded');
    piiUnavailable(deps, 'pack_missing');
    return guardErrorResponse(503, 'The PII detector is unavailable; the request was not forwarded.', 'pii_detector_unavailable', 'pii_unavailable', 'server_error');
  }
  const t = ctx.texts!;
  const read = [...piiExtraTexts(ctx.body), ...t.user, ...t.system, ...t.assistant, ...t.tool];
  // And every string no reader covers (a misspelled `inpwt`, an unknown field): the engine gets them
  // as sent. First, so the budget reaches them last (unread-strings.ts).
  // `source`: the text, for integers beyond 2^53 JSON.parse rounds (a 19-digit card number).
  const texts = [...unreadText(parsed, read, source), ...read].reverse();
  const meter = new BudgetMeter(s.piiBudget);
  let found;
  try {
    found = await scanPii(detector, texts, { threshold: s.piiThreshold, windowChars: packWindowChars(deps.classifiers, detector.name, 'token-classification'), meter });
  } catch (err) {
    deps.logger.error({ request_id: ctx.requestId, error: err instanceof Error ? err.name : undefined }, 'PII detector failed');
    piiUnavailable(deps, 'classifier_error');
    return guardErrorResponse(503, 'The PII detector failed; the request was not forwarded.', 'pii_detector_failed', 'pii_unavailable', 'server_error');
  }
  if (meter.exceeded) {
    const r = overBudget(deps, ctx, s.piiBudget.onExceed, meter);
    if (r) return r;
  }
  const types = found.flat().map((e) => e.type);
  const denied = [...new Set(policies.flatMap((p) => deniedTypes(p, types)))].sort();
  piiVerdict(types, denied.length ? 'block' : undefined);
  if (!denied.length) return undefined;
  for (const t of denied) deps.metrics.inc('llm_pii_violations_total', { model: label, pii_type: t });
  deps.logger.info({ request_id: ctx.requestId, model: label, denied }, 'pii policy denied');
  const msg = `The request contains personal data of types the model may not receive (${denied.join(', ')}); it was not forwarded.`;
  return { ...guardErrorResponse(400, msg, 'pii_policy_denied', 'pii_policy_denied'), headers: { 'x-vsr-pii-violation': 'true' } };
}

function refuseUnreadable(part: string, idHeader: Record<string, string>): PassthroughGuard {
  const r = unscannableResponse(part);
  return { response: new Response(r.body, { status: r.status, headers: { ...idHeader, 'content-type': r.contentType } }), reason: 'unscannable_prompt', headers: {} };
}

function refuse(status: number, message: string, code: string, headers: Record<string, string>, reason: RequestErrorReason, param: string | null = null): PassthroughGuard {
  return { response: errorResponse(status, message, 'invalid_request_error', code, param, headers), reason, headers: {} };
}

/** The pii_policy of every configured model that restricts something. */
function restrictingPolicies(config: AppDeps['config']): PiiPolicy[] {
  return Object.keys(config.model_config ?? {})
    .map((m) => policyOf(config, m))
    .filter(restricts) as PiiPolicy[];
}

/** Whether a /v1/completions body's prompt is text only (a string or a list of strings) and it sends no prompt_embeds. */
function textPrompt(body: unknown): boolean {
  if (!isObj(body)) return true;
  if (body.prompt_embeds !== undefined && body.prompt_embeds !== null) return false;
  const p = body.prompt;
  return p === undefined || p === null || typeof p === 'string' || (Array.isArray(p) && p.every((x) => typeof x === 'string'));
}

/** Whether a /v1/embeddings body's input is text (a string or a list of strings); a chat-style body
 *  (messages, as vLLM's embedding models take it) is read through its messages. */
function textInput(body: unknown): boolean {
  if (!isObj(body) || Array.isArray(body.messages)) return true;
  const i = body.input;
  return i === undefined || i === null || typeof i === 'string' || (Array.isArray(i) && i.every((x) => typeof x === 'string'));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Texts of a passed-through body by role, as the chat guard reads them (newest last in each list). */
export function passthroughTexts(route: string, body: unknown): RequestTexts {
  const t: RequestTexts = { latestUser: '', user: [], system: [], assistant: [], tool: [] };
  if (!isObj(body)) return t;
  // Roles filed as chat files them (texts.ts textRole): developer as system, a tool result under
  // `function` or Llama's `ipython` as tool, any other role as user; so scan_roles means the same here.
  const add = (role: string, text: string) => {
    if (text) t[textRole(role)].push(text);
  };
  const addMessages = () => {
    if (Array.isArray(body.messages)) for (const m of body.messages) if (isObj(m)) add(typeof m.role === 'string' ? m.role : 'user', blockText(m.content));
  };
  if (route === '/invocations') {
    // A chat body (messages, with content strings or parts) or a completion body (prompt).
    addMessages();
    for (const p of Array.isArray(body.prompt) ? body.prompt : [body.prompt]) if (typeof p === 'string') add('user', p);
  } else if (route === '/v1/embeddings') {
    // input (token ids are refused before: textInput), or a chat-style body's messages (vLLM).
    for (const x of Array.isArray(body.input) ? body.input : [body.input]) if (typeof x === 'string') add('user', x);
    addMessages();
  } else if (READ_FIELDS[route]) {
    // Speech, scoring, pooling: the strings of the fields the model reads (a /pooling body may also be chat-style).
    const slots: TextSlot[] = [];
    for (const k of READ_FIELDS[route]!) {
      const v = body[k];
      if (typeof v === 'string') add('user', v);
      else if (v !== null && typeof v === 'object') stringSlots(v as Record<string, unknown>, 'user', slots);
    }
    for (const x of slots) add('user', x.get());
    addMessages();
  } else if (route === '/v1/images/generations') {
    if (typeof body.prompt === 'string') add('user', body.prompt);
  } else if (route === '/v1/completions') {
    // Token-id prompts ([1, 2, 3]) hold no text: guardPassthrough refuses them (textPrompt).
    for (const p of Array.isArray(body.prompt) ? body.prompt : [body.prompt]) if (typeof p === 'string') add('user', p);
    if (typeof body.suffix === 'string') add('user', body.suffix);
  } else if (route === '/v1/responses') {
    if (typeof body.instructions === 'string') add('system', body.instructions);
    if (typeof body.input === 'string') add('user', body.input);
    else if (Array.isArray(body.input)) {
      for (const item of body.input) {
        // A bare string in the list: read as the user's, whatever the engine makes of it.
        if (!isObj(item)) {
          add('user', blockText([item]));
          continue;
        }
        // function_call_output: a string or (newer SDKs) a list of parts; function_call: its name and the arguments
        // the model wrote, which its chat template shows it again.
        if (item.output !== undefined) add('tool', blockText(item.output));
        else if (typeof item.arguments === 'string') add('assistant', typeof item.name === 'string' ? `${nameText(item.name)}\n${item.arguments}` : item.arguments);
        else {
          // A message's content; a reasoning item's summary; a bare part ({type: input_text, text}) its text.
          // A bare input_file item: its name and a text file's contents (file-parts.ts).
          const text = [blockText(item.content), blockText(item.summary), typeof item.text === 'string' ? item.text : '', fileText(item)];
          add(typeof item.role === 'string' ? item.role : 'user', text.filter(Boolean).join('\n'));
        }
      }
    }
  } else if (route === '/v1/messages') {
    add('system', blockText(body.system));
    if (Array.isArray(body.messages)) {
      for (const m of body.messages) if (isObj(m)) add(typeof m.role === 'string' ? m.role : 'user', blockText(m.content));
    }
  }
  t.latestUser = t.user[t.user.length - 1] ?? '';
  return t;
}

/** A string, or the text of content parts/blocks (Responses input_text/output_text, Anthropic text,
 *  tool_result and tool_use blocks), joined by newlines. */
function blockText(content: unknown, depth = 0): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || depth > 4) return '';
  const out: string[] = [];
  for (const b of content) {
    if (typeof b === 'string') out.push(b);
    else if (isObj(b)) {
      for (const k of ['text', 'refusal', 'thinking'] as const) if (typeof b[k] === 'string') out.push(b[k] as string);
      // A file part's name and a text file's contents (file-parts.ts).
      out.push(fileText(b));
      if (b.content !== undefined) out.push(blockText(b.content, depth + 1));
      // An Anthropic tool_use block's input: the arguments the template shows the model again.
      if (b.type === 'tool_use' && isObj(b.input)) out.push(JSON.stringify(b.input));
      // Its name, which the template shows too (name-slots.ts reads it as it is shown).
      if (b.type === 'tool_use' && typeof b.name === 'string') out.push(nameText(b.name));
    }
  }
  return out.filter(Boolean).join('\n');
}
