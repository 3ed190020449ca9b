// The text /classify/intent classifies from chat `messages`, read as the reference's newer API reads
// them (pkg/services/intent_request_messages.go): the last user turn's text; with no user text (and
// no image in a user turn) the system / developer / assistant texts joined. Roles are compared trimmed
// and lower-cased, and a part typed text, input_text or untyped is text, as there.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A content's parts: an array, or one part object (the reference accepts both). */
const partsOf = (c: unknown): Record<string, unknown>[] => (Array.isArray(c) ? c.filter(isObject) : isObject(c) ? [c] : []);

function textOfContent(c: unknown): string {
  if (typeof c === 'string') return c;
  const texts: string[] = [];
  for (const p of partsOf(c)) {
    const type = typeof p.type === 'string' ? p.type.trim().toLowerCase() : '';
    if ((type === '' || type === 'text' || type === 'input_text') && typeof p.text === 'string' && p.text !== '') texts.push(p.text);
  }
  return texts.join(' ');
}

/** An inline image (a base64 data URI; the reference takes no URL there), object or bare-string form. */
function hasImage(c: unknown): boolean {
  return partsOf(c).some((p) => {
    const u = isObject(p.image_url) ? p.image_url.url : p.image_url;
    return typeof u === 'string' && /^data:image\/[\w.+-]+;base64,/i.test(u.trim());
  });
}

/** The text to classify from `messages`; '' when they hold none (the caller falls back to `text`). */
export function intentTextOfMessages(messages: unknown[]): string {
  let user = '';
  let image = false;
  const other: string[] = [];
  for (const m of messages) {
    if (!isObject(m)) continue;
    const role = typeof m.role === 'string' ? m.role.trim().toLowerCase() : '';
    const text = textOfContent(m.content).trim();
    if (role === 'user') {
      if (text) user = text;
      else if (hasImage(m.content)) image = true;
    } else if (text && (role === 'system' || role === 'developer' || role === 'assistant')) other.push(text);
  }
  // An image-only turn keeps the assistant's words from standing in for the user's (the reference's guard).
  return user || (image ? '' : other.join(' '));
}
