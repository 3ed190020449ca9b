// What counts as a placeholder, for masking and restore alike. A placeholder is made as <TYPE_N>
// (upper snake case), but models retype it (<email_address_1>, <Email Address 1>), and a request may
// already hold such literals (typed by the user, or left by an earlier redacting hop). Both sides read
// them with the same loose syntax and compare their canonical form, so a number the masker treats as
// taken is exactly one that restore could confuse with the user's own text.

/** Longest inner text read as a placeholder; keeps the loose match and the stream's hold-back bounded. */
export const MAX_PLACEHOLDER_INNER = 64;

/** Letters of either case, digits, underscores and spaces between angle brackets. */
export const LOOSE_PLACEHOLDER = new RegExp(`<[A-Za-z0-9_ \\t]{1,${MAX_PLACEHOLDER_INNER}}>`, 'g');

/** '<Email address 1 >' and '<EMAIL_ADDRESS_1>' both read 'EMAIL_ADDRESS_1': case ignored, each run of
 *  spaces and underscores one underscore, outer spaces dropped. Takes the text with or without brackets. */
export function canonicalPlaceholder(text: string): string {
  const inner = text.startsWith('<') ? text.slice(1, text.endsWith('>') ? -1 : undefined) : text;
  return inner.trim().toUpperCase().replace(/[\s_]+/g, '_');
}

/** Canonical forms of every placeholder-like literal in the strings of `value` (a body, a text), into
 *  `into`. Walks with its own stack: a client's body may nest deeper than the call stack allows. */
export function collectPlaceholders(value: unknown, into: Set<string>): Set<string> {
  const todo: unknown[] = [value];
  while (todo.length) {
    const v = todo.pop();
    if (typeof v === 'string') {
      if (v.includes('<')) for (const m of v.matchAll(LOOSE_PLACEHOLDER)) into.add(canonicalPlaceholder(m[0]));
    } else if (v && typeof v === 'object') {
      for (const x of Array.isArray(v) ? v : Object.values(v)) if (x && (typeof x === 'object' || typeof x === 'string')) todo.push(x);
    }
  }
  return into;
}
