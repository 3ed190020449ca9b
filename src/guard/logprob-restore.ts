// PII restore in a choice's token logprobs (logprobs: true). The restore put values back into the
// text while logprobs.content[].token still showed the placeholder, so a client reading tokens saw
// the redaction. A token holding a whole placeholder (a model with the placeholder as an added token,
// or a JSON answer's tokens) is restored, with its UTF-8 `bytes`, here and in top_logprobs. A
// placeholder written over several tokens ("<EMAIL", "_ADDRESS", "_1>") stays in its pieces: each
// logprob is the model's for its piece, and no piece is the value; spreading the value over the
// pieces would invent tokens the model never scored.
type Json = Record<string, unknown>;
const ENCODER = new TextEncoder();

/** Restores the tokens of a choice's logprobs (content and refusal lists) in place; `restore` is
 *  redaction.ts's restoreText with the request's map (passed in: redaction.ts imports this file). */
export function restoreLogprobs(choice: Json, restore: (text: string) => string): void {
  const lp = choice.logprobs;
  if (!lp || typeof lp !== 'object' || Array.isArray(lp)) return;
  for (const k of ['content', 'refusal']) {
    const list = (lp as Json)[k];
    if (!Array.isArray(list)) continue;
    for (const e of list) {
      if (!e || typeof e !== 'object') continue;
      restoreToken(e as Json, restore);
      const top = (e as Json).top_logprobs;
      if (Array.isArray(top)) for (const t of top) if (t && typeof t === 'object') restoreToken(t as Json, restore);
    }
  }
}

function restoreToken(e: Json, restore: (text: string) => string): void {
  if (typeof e.token !== 'string') return;
  const t = restore(e.token);
  if (t === e.token) return;
  e.token = t;
  // bytes are the token's UTF-8 (null where it has none): they must spell the restored token too.
  if (Array.isArray(e.bytes)) e.bytes = [...ENCODER.encode(t)];
}
