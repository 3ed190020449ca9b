// Input sanitation shared by every featurizer. It never changes the string's length (UTF-16 units),
// so character offsets computed on the sanitised text are valid offsets into the caller's text.

const REPLACEMENT = 0xfffd;
const SPACE = 0x20;

/** True for C0/C1 control characters other than the whitespace ones (\t \n \v \f \r). */
function isControl(c: number): boolean {
  if (c < 0x20) return c < 0x09 || c > 0x0d;
  return c === 0x7f || (c >= 0x80 && c <= 0x9f);
}

/**
 * Lone surrogates become U+FFFD (tokenizers and TextEncoder would otherwise disagree about them),
 * control characters become spaces (they carry no meaning for a classifier, and NUL in particular
 * upsets some pre-tokenizers). Well-formed surrogate pairs are kept.
 */
export function sanitizeText(text: string): string {
  let out: number[] | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let r = c;
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (n >= 0xdc00 && n <= 0xdfff) {
        if (out) out.push(c, n);
        i++;
        continue;
      }
      r = REPLACEMENT;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      r = REPLACEMENT;
    } else if (isControl(c)) {
      r = SPACE;
    }
    if (r !== c && !out) {
      out = [];
      for (let j = 0; j < i; j++) out.push(text.charCodeAt(j));
    }
    if (out) out.push(r);
  }
  if (!out) return text;
  let s = '';
  for (let i = 0; i < out.length; i += 8192) s += String.fromCharCode(...out.slice(i, i + 8192));
  return s;
}

/** True if `text` has nothing but whitespace (after sanitation). */
export function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

/**
 * A prefix of `text` of at least `budget` UTF-16 units, extended to the next whitespace (up to
 * `slack` more units) so a word is not split, and never ending inside a surrogate pair.
 * Used to bound tokenizer work on huge inputs before the exact token-level cut.
 */
const PREFIX_SLACK = 64;

export function prefixForBudget(text: string, budget: number, slack = PREFIX_SLACK): string {
  if (text.length <= budget) return text;
  let end = budget;
  const limit = Math.min(text.length, budget + slack);
  while (end < limit && !/\s/.test(text[end]!)) end++;
  if (end === limit && end < text.length && !/\s/.test(text[end] ?? ' ')) end = budget;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end);
}

/** Most UTF-16 units of input any featurizer looks at for a pack of this max_length. */
export function textBudget(maxLength: number): number {
  return Math.max(4096, maxLength * 32);
}

/**
 * Bounds the work any featurizer does on huge input (1 MB of text) before its exact token cut: keeps
 * a prefix long enough for `maxLength` tokens with generous room, and says whether it cut.
 */
export function boundText(text: string, maxLength: number): { text: string; cut: boolean } {
  const budget = textBudget(maxLength);
  if (text.length <= budget) return { text, cut: false };
  return { text: prefixForBudget(text, budget), cut: true };
}

/** Below this many UTF-16 units a text is sanitised whole: the co-run memo (co-run.ts, up to 16 Ki
 *  characters by default) keys texts by their cleaned form, the same for every pack. */
const WHOLE_BELOW = 1 << 18;

/**
 * The part of `text` a pack of this max_length can read, cut before sanitising: sanitizeText on a
 * whole 1 MB text of lone surrogates took ~90 ms per classifier call (10 MB with the guard off:
 * ~1 s), for boundText to keep 128 Ki of it. Sanitising is local (a character and the next one), so
 * sanitising this prefix and then bounding gives the very text that sanitising all and bounding does:
 * the prefix reaches two units past everything prefixForBudget reads.
 */
export function readablePrefix(text: string, maxLength: number): string {
  const cap = Math.max(WHOLE_BELOW, textBudget(maxLength) + PREFIX_SLACK + 2);
  return text.length > cap ? text.slice(0, cap) : text;
}

/** The caller's value as sanitised text; non-strings become their string form ("" for null/undefined). */
export function cleanInput(text: unknown): string {
  return sanitizeText(typeof text === 'string' ? text : text == null ? '' : String(text));
}
