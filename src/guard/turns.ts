// A jailbreak split over consecutive user turns (a persona set up in one message, its rules in the
// next, "now answer as DAN: ..." in the third) is benign-looking in every part, and the guard scored
// each message alone. The model reads the turns together, so the guard also scores the recent user
// turns joined as one more text, windowed as every text is: a window over a turn boundary reads what
// no single message shows. Bounded: the last MAX_JOINED_TURNS user turns, at most MAX_JOINED_CHARS
// characters (the newest end), and only when there are two or more; it is counted in the scan budget.

/** User turns joined. 4 chosen on the training split (models/train/eval-turns.ts; MODEL_CARD.md). */
export const MAX_JOINED_TURNS = 4;

/** Characters of the joined text (its newest end): 8 windows of 512, the default window. */
export const MAX_JOINED_CHARS = 4_096;

/** Between turns: a paragraph break, as templates put turns on lines of their own. */
const SEPARATOR = '\n\n';

/**
 * The last `maxTurns` non-blank user texts (oldest first) joined, cut to its last `maxChars`
 * characters at a word start; undefined when fewer than two turns have text.
 */
export function joinedUserTurns(userTexts: readonly unknown[] | undefined, maxTurns = MAX_JOINED_TURNS, maxChars = MAX_JOINED_CHARS): string | undefined {
  if (!Array.isArray(userTexts) || maxTurns < 2) return undefined;
  const picked: string[] = [];
  for (let i = userTexts.length - 1; i >= 0 && picked.length < maxTurns; i--) {
    const t = userTexts[i];
    if (typeof t === 'string' && t.trim()) picked.push(t);
  }
  if (picked.length < 2) return undefined;
  const joined = picked.reverse().join(SEPARATOR);
  if (joined.length <= maxChars) return joined;
  // Cut at a word start, so the first window does not read half a word as a new n-gram.
  let start = joined.length - maxChars;
  const limit = Math.min(joined.length, start + 64);
  while (start < limit && !/\s/.test(joined[start - 1] ?? ' ')) start++;
  return joined.slice(start);
}
