// Where a recognizer's matches can begin, found with cheap character tests, so that its regex runs
// only there (sticky) instead of at every position of the text. Each anchor set must hold every
// position where the regex can match; the regex still decides, so spans are the same as scan()'s.
import type { PatternMatch } from './types.ts';

/** scan() over the candidate starts `starts` (ascending) with a sticky copy of the regex. */
export function scanAt(
  text: string,
  re: RegExp,
  starts: readonly number[],
  accept: (m: RegExpExecArray) => PatternMatch | null,
): PatternMatch[] {
  const out: PatternMatch[] = [];
  // As scan(): after a kept match the next starts past its end, after a rejected one past its start.
  let from = 0;
  for (const p of starts) {
    if (p < from) continue;
    re.lastIndex = p;
    const m = re.exec(text);
    if (m === null || m[0].length === 0) continue;
    const r = accept(m);
    if (r) {
      out.push(r);
      from = p + m[0].length;
    } else from = p + 1;
  }
  return out;
}

/** The sticky twin of a global regex (same source and flags, 'y' instead of 'g'). */
export const sticky = (re: RegExp): RegExp => new RegExp(re.source, re.flags.replace('g', '') + 'y');

export const isAsciiAlnum = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);

// The regex engine skips to the next digit faster than a charCodeAt loop walks there.
const DIGIT_RUN = /\d+/g;

/** Start of every run of ASCII digits: the only places a number-first pattern (\d after a \p{N} lookbehind) can begin. */
export function digitRunStarts(text: string): number[] {
  const out: number[] = [];
  DIGIT_RUN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = DIGIT_RUN.exec(text)) !== null) out.push(m.index);
  return out;
}
