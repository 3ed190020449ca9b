// What counts as a placeholder, for masking and restore alike. A placeholder is made as <TYPE_N>
// (upper snake case), but models retype it (<email_address_1>, <Email Address 1>), and a request may
// already hold such literals (typed by the user, or left by an earlier redacting hop). Both sides read
// them with the same loose syntax and compare their canonical form, so a number the masker treats as
// taken is exactly one that restore could confuse with the user's own text.

/** Longest inner text read as a placeholder; keeps the loose match and the stream's hold-back bounded. */
export const MAX_PLACEHOLDER_INNER = 64;

/** Letters of either case, digits, underscores and spaces between angle brackets. */
export const LOOSE_PLACEHOLDER = new RegExp(`<[A-Za-z0-9_ \\t]{1,${MAX_PLACEHOLDER_INNER}}>`, 'g');

/**
 * The same in JSON text (tool-call arguments), where either bracket may also be written as a \u
 * escape: Go's encoding/json writes '<' and '>' as \u003c and \u003e by default, and JSON.parse reads
 * both forms alike. An escape counts only after an even run of backslashes (\\u003c is text); the
 * lookbehind is unbounded, so a long run of backslashes is read correctly rather than guessed, and
 * the lookahead in front of it keeps it to the places an escape starts (linear, not per position).
 */
export const JSON_PLACEHOLDER = new RegExp(
  `(?:<|(?=\\\\u003[cC])(?<=(?:^|[^\\\\])(?:\\\\\\\\)*)\\\\u003[cC])[A-Za-z0-9_ \\t]{1,${MAX_PLACEHOLDER_INNER}}(?:>|\\\\u003[eE])`,
  'g',
);

const BRACKETS = /^(?:<|\\u003[cC])|(?:>|\\u003[eE])$/g;

/** A placeholder read from JSON text with plain brackets, as the restore map holds it. */
export function unescapedBrackets(p: string): string {
  return p.replace(/^\\u003[cC]/, '<').replace(/\\u003[eE]$/, '>');
}

/** '<Email address 1 >' and '<EMAIL_ADDRESS_1>' both read 'EMAIL_ADDRESS_1': case ignored, each run of
 *  spaces and underscores one underscore, outer spaces dropped. Takes the text with or without
 *  brackets, plain or \u-escaped. */
export function canonicalPlaceholder(text: string): string {
  return text.replace(BRACKETS, '').trim().toUpperCase().replace(/[\s_]+/g, '_');
}

/** Canonical forms of every placeholder-like literal in the strings of `value` (a body, a text), into
 *  `into`. Walks with its own stack: a client's body may nest deeper than the call stack allows. */
export function collectPlaceholders(value: unknown, into: Set<string>): Set<string> {
  const todo: unknown[] = [value];
  while (todo.length) {
    const v = todo.pop();
    if (typeof v === 'string') {
      if (v.includes('<')) for (const m of v.matchAll(LOOSE_PLACEHOLDER)) into.add(canonicalPlaceholder(m[0]));
      // Any string may be JSON text (tool-call arguments); reading too many as taken only skips numbers.
      if (v.includes('\\u003')) for (const m of v.matchAll(JSON_PLACEHOLDER)) into.add(canonicalPlaceholder(m[0]));
    } else if (v && typeof v === 'object') {
      for (const x of Array.isArray(v) ? v : Object.values(v)) if (x && (typeof x === 'object' || typeof x === 'string')) todo.push(x);
    }
  }
  return into;
}
