// A jailbreak split over consecutive user turns (a persona set up in one message, its rules in the
// next, "now answer as DAN: ..." in the third) is benign-looking in every part, and the guard scored
// each message alone. The model reads the turns together, so the guard also scores the recent user
// turns joined: only the windows of the joined text that cross a turn boundary, since a window inside
// one turn reads what that turn's own scan already read (it cost a 4-turn chat of ~1,100-character
// turns 10 more classifier calls, not 3 to 6). Bounded: the last `prompt_guard.joined_turns` user
// turns (default MAX_JOINED_TURNS), at most MAX_JOINED_CHARS characters (the newest end), and only
// with two or more; the windows' characters count in the scan budget, not as texts (budget.ts).
import { splitWindows, windowOverlap } from './windows.ts';

/** User turns joined. 4 chosen on the training split (models/train/eval-turns.ts; MODEL_CARD.md). */
export const MAX_JOINED_TURNS = 4;

/** Characters of the joined text (its newest end): 8 windows of 512, the default window. */
export const MAX_JOINED_CHARS = 4_096;

/** Between turns: a paragraph break, as templates put turns on lines of their own. */
const SEPARATOR = '\n\n';

interface Joined {
  text: string;
  /** Offsets in `text` where a separator between two turns starts. */
  seams: number[];
}

function join(userTexts: readonly unknown[] | undefined, maxTurns: number, maxChars: number): Joined | undefined {
  if (!Array.isArray(userTexts) || maxTurns < 2) return undefined;
  const picked: string[] = [];
  for (let i = userTexts.length - 1; i >= 0 && picked.length < maxTurns; i--) {
    const t = userTexts[i];
    if (typeof t === 'string' && t.trim()) picked.push(t);
  }
  if (picked.length < 2) return undefined;
  picked.reverse();
  const seams: number[] = [];
  let at = 0;
  for (const t of picked.slice(0, -1)) seams.push((at += t.length)), (at += SEPARATOR.length);
  const joined = picked.join(SEPARATOR);
  if (joined.length <= maxChars) return { text: joined, seams };
  // Cut at a word start, so the first window does not read half a word as a new n-gram.
  let start = joined.length - maxChars;
  const limit = Math.min(joined.length, start + 64);
  while (start < limit && !/\s/.test(joined[start - 1] ?? ' ')) start++;
  return { text: joined.slice(start), seams: seams.filter((s) => s > start).map((s) => s - start) };
}

/**
 * The last `maxTurns` non-blank user texts (oldest first) joined, cut to its last `maxChars`
 * characters at a word start; undefined when fewer than two turns have text.
 */
export function joinedUserTurns(userTexts: readonly unknown[] | undefined, maxTurns = MAX_JOINED_TURNS, maxChars = MAX_JOINED_CHARS): string | undefined {
  return join(userTexts, maxTurns, maxChars)?.text;
}

/**
 * The windows (of `windowChars`, overlapping as scanJailbreak's) of the joined user turns that hold
 * text on both sides of a turn boundary; the whole joined text when it fits one window. Each is
 * scored as one more text; none when fewer than two turns have text.
 */
export function turnSeamWindows(userTexts: readonly unknown[] | undefined, windowChars: number, maxTurns = MAX_JOINED_TURNS, maxChars = MAX_JOINED_CHARS): string[] {
  const j = join(userTexts, maxTurns, maxChars);
  if (!j || !j.seams.length) return [];
  if (j.text.length <= windowChars) return [j.text];
  return splitWindows(j.text, windowChars, windowOverlap(windowChars))
    .filter((w) => j.seams.some((s) => w.start < s && w.end > s + SEPARATOR.length))
    .map((w) => j.text.slice(w.start, w.end));
}
