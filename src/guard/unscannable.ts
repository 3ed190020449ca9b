// Content a guard cannot read. Newer vLLM takes a `prompt_embeds` content part in chat messages
// (chat_utils.py MM_PARSER_MAP: the part's `data`, a tensor the model reads as tokens): the
// embeddings of any text are one lookup in an open model's embedding table away, so such a part
// carried an injection or personal data past the guards, which read text. While a guard reads a
// request, it is refused (400 unscannable_prompt), as /v1/completions' prompt_embeds are.
// Images, audio, video and binary files (file-parts.ts unreadablePart) may hold personal data too
// (a photographed passport, a spoken address): a model whose pii_policy restricts what it sees is
// not sent one (unreadableMedia), as it is not sent text nobody looked at.
import type { RefusalResponse } from '../pipeline/context.ts';
import { guardErrorResponse } from './immediate-responses.ts';
import { unreadablePart } from './file-parts.ts';

const UNSCANNABLE_PARTS = new Set(['prompt_embeds']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a message (chat `messages`, /v1/responses `input` items) holds a part the guards cannot read. */
export function hasUnscannablePart(body: unknown): boolean {
  if (!isObj(body)) return false;
  for (const list of [body.messages, body.input]) {
    if (!Array.isArray(list)) continue;
    for (const m of list) {
      const parts = isObj(m) && Array.isArray(m.content) ? m.content : [m];
      for (const p of parts) if (isObj(p) && UNSCANNABLE_PARTS.has(p.type as string)) return true;
    }
  }
  return false;
}

/**
 * The type of the first part in chat `messages` or /v1/responses `input` items (and, to a few levels,
 * the content of tool results inside them, as /v1/messages nests images) that no guard reads, or
 * undefined. Walked with a stack of its own: a passed-through body has no depth cap.
 */
export function unreadableMedia(body: unknown): string | undefined {
  if (!isObj(body)) return undefined;
  const todo: Array<{ v: unknown; depth: number }> = [];
  for (const list of [body.messages, body.input]) if (Array.isArray(list)) for (const m of list) todo.push({ v: m, depth: 0 });
  while (todo.length) {
    const { v, depth } = todo.pop()!;
    const t = unreadablePart(v);
    if (t) return t;
    if (!isObj(v) || depth >= 4) continue;
    if (Array.isArray(v.content)) for (const p of v.content) todo.push({ v: p, depth: depth + 1 });
    if (Array.isArray(v.output)) for (const p of v.output) todo.push({ v: p, depth: depth + 1 });
  }
  return undefined;
}

/** The type of the first part anywhere under `roots` (scoring documents, pooling input) that no guard reads. */
export function unreadableUnder(roots: unknown[]): string | undefined {
  const todo = [...roots];
  while (todo.length) {
    const v = todo.pop();
    const t = unreadablePart(v);
    if (t) return t;
    // One push per item: spreading a list of 500,000 into push() overflows the call stack.
    if (Array.isArray(v)) for (const x of v) todo.push(x);
    else if (isObj(v)) for (const x of Object.values(v)) todo.push(x);
  }
  return undefined;
}

export function unscannableResponse(part = 'prompt_embeds'): RefusalResponse {
  const why =
    part === 'prompt_embeds'
      ? 'The guardrails read message content as text: a prompt_embeds part cannot be checked; send the text instead.'
      : `The model's PII policy lets it see only content the gateway has checked, and it reads text: content of type ${part.slice(0, 40)} cannot be checked; send it to a model that allows it, or send the text instead.`;
  return guardErrorResponse(400, why, 'unscannable_prompt', 'unscannable_prompt');
}
