// Content a guard cannot read. Newer vLLM takes a `prompt_embeds` content part in chat messages
// (chat_utils.py MM_PARSER_MAP: the part's `data`, a tensor the model reads as tokens): the
// embeddings of any text are one lookup in an open model's embedding table away, so such a part
// carried an injection or personal data past the guards, which read text. While a guard reads a
// request, it is refused (400 unscannable_prompt), as /v1/completions' prompt_embeds are.
import type { RefusalResponse } from '../pipeline/context.ts';
import { guardErrorResponse } from './immediate-responses.ts';

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

export function unscannableResponse(): RefusalResponse {
  return guardErrorResponse(
    400,
    'The guardrails read message content as text: a prompt_embeds part cannot be checked; send the text instead.',
    'unscannable_prompt',
    'unscannable_prompt',
  );
}
