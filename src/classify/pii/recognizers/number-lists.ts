// Spaced digit groups that are a list of numbers, not a phone: "rows 12 34 56 78 90", lottery numbers
// "04 11 23 35 42 49", "scores: 415 555 2671 308 912". The phone shape (2-6 groups joined by one
// separator) took them all, and "numbers" counts as a phone word, so a restricting pii_policy masked
// or refused harmless text. Evidence from the training split's 157 phone spans (models/train/pii): a
// bare grouped phone (no "+", no brackets) has at most 4 groups and, at 7+ digits, always one group of
// 3+ digits ("0490 75 40 81", "024 971 50 30", "72 128 827"); the national layouts written in pairs
// only ("06 12 34 56 78" in France, "12 34 56 78" in Denmark and Norway) are kept by their shape.
// A "+" or an area code in brackets says phone whatever the groups are, so those are never a list here.
// Reads a fixed window around the span: linear on any input (types.ts).
import { completeNumber, countFollows } from './unit-counts.ts';

// A phone word right before the span on its line, or ending the line above it (a card's "Phone:" over
// the number; whole words: "hotel", "recall", "string" are none), or a phone label after it. "number(s)" is not one here: "lottery numbers", "numbers 1 2 3".
// The line-above form is dev-chosen: added after a dev miss ("Phone:\n60-56-85-91"); the training split
// has no such layout and scores the same without it (MODEL_CARD.md gives dev with and without).
const PHONE_WORD = /\b(?:phone|telephone|tel|call|mobile|cell|fax|whatsapp|sms|dial|ring|text me|reach)\b[^\n]{0,24}(?:\n[ \t\[(]*)?$/i;
const LABEL_AFTER = /^[ \t]*[(\[,;:\-–—]?[ \t]*(?:(?:is|was)[ \t]+)?(?:(?:my|our|his|her|their|the)[ \t]+)?(?:cell|mobile|phone|telephone|tel|fax|office|home|work|landline|whatsapp)\b/i;
// A word naming a list right before the run ("scores: 415 555 2671", "rows 12 34 56", "lottery numbers
// are"): then even a phone-shaped run is its first numbers.
const LIST_BEFORE =
  /(?<![a-z])(?:scores?|rows?|columns?|cols|lottery|lotto|draws?|picks?|list|values?|sequence|series|array|vector|matrix|grades?|marks|results|readings|measurements|samples|counts|totals|seeds|sort|sum|average|mean|median|(?:lucky|winning|random|these|those|the following|following|some|my|your) numbers|numbers[ \t]+(?:are|were|is))[ \t]*(?:(?:are|were|is|of|=)[ \t]*)?[:=\-]?[ \t]*$/i;
// French (0X XX XX XX XX) numbers, and three or four pairs under a phone word or label (Danish and
// Norwegian XX XX XX XX), written in pairs only with any one separator: "01.84.17.61.18", "Phone:
// 28-81-33-70", "28-64-66-98 office", "61 51 81 office", "call 33 93 31" in the training split.
const FRENCH = /^0[1-9](?: \d\d){4}$/;
const PAIRS = /^\d\d(?: \d\d){2,3}$/;

const GROUPED = /^\d+(?:([ .\-])\d+)+$/;
/** A phone's extension after its digits ("555 1234 x12", "ext. 12"), as phone.ts reads it. */
export const EXTENSION = /(?: ?x| ?ext\.? ?)\d{1,5}$/;
// A phone's extension right before the span ("555 1234 x12 555 9876 x34"): the end of the phone
// before it, not a group of a run of numbers.
const EXT_BEFORE = /\d(?: ?x| ?ext\.? ?)\d{1,5} $/;
// Another group of the same separator glued before or after the span.
const MORE_BEFORE: Record<string, RegExp> = { ' ': /(?:^|[^\d+\-.\/])\d+ $/, '.': /(?:^|[^\d+\-.\/])\d+\.$/, '-': /(?:^|[^\d+\-.\/])\d+-$/ };
const MORE_AFTER: Record<string, RegExp> = { ' ': /^ \d+(?![\d\p{L}])/u, '.': /^\.\d+(?![\d\p{L}])/u, '-': /^-\d+(?![\d\p{L}])/u };

/**
 * Whether text[start, end), a run of digit groups joined by one separator with no "+" or brackets, is
 * a list of numbers rather than a phone number. Anything else (one run, a "+", brackets, letters) is
 * left to the phone rules: false.
 */
export function numberList(text: string, start: number, end: number): boolean {
  // An extension is no group of the run: "rows 12 34 56 78 x12" is a list all the same (it skipped
  // this test, and an inner run of a refused list then passed as a phone: "34 56 78 90 555 1234 x12").
  const span = text.slice(start, end).replace(EXTENSION, '');
  end = start + span.length;
  const shape = GROUPED.exec(span);
  if (!shape) return false;
  const sep = shape[1]!;
  const groups = span.split(sep);
  const spaced = groups.join(' ');
  const french = FRENCH.test(spaced);
  const pairsOnly = groups.every((g) => g.length <= 2);
  // More groups than a bare phone has, or one- and two-digit groups that are no national layout.
  if (!french && (groups.length >= 5 || (pairsOnly && !PAIRS.test(spaced)))) return true;
  const before = text.slice(Math.max(0, start - 40), start);
  // A group of the same separator right before the span: the tail of a longer run, which the phone
  // regex (leftmost) took from its first group and rejected, so this is no phone either.
  if (MORE_BEFORE[sep]!.test(before) && !(sep === ' ' && EXT_BEFORE.test(before))) return true;
  const after = text.slice(end, end + 32);
  const phoneWord = PHONE_WORD.test(before) || LABEL_AFTER.test(after);
  // Groups go on after the span ("415 555 2671 308 912": the recognizer took the first four): a
  // list, unless a phone word says a phone is followed by a number ("call 415 555 2671 24 hours a
  // day"; pairs never: "call 12 34 56 78 90" is no layout).
  // A count after a whole number is no more of the run ("415 555 2671 24 hours", "020 7946 0018 24
  // hours"; unit-counts.ts): the phone recognizer leaves it out of the span.
  const moreAfter = MORE_AFTER[sep]!.test(after) && !(completeNumber(span) && countFollows(text, end));
  // Pairs in a national layout: a phone under a phone word (French ones also without one, below).
  if (pairsOnly && !french) return !phoneWord || moreAfter;
  if (phoneWord) return false;
  // A list word right before the run ("scores: 415 555 2671").
  return moreAfter || LIST_BEFORE.test(before);
}

// A run of digit groups joined by single spaces, each too short for a bare phone (10+ digits).
const SPACED_RUN = /\d{1,9}(?: \d{1,9})*(?!\d)/y;
const EXT_DIGITS_AT = /\d(?: ?x| ?ext\.? ?)$/;

/**
 * Where the phone scan may go on after refusing a candidate that starts at `start` (types.ts scan). A
 * candidate starting at an inner group of the space-separated run there is refused as well: one group
 * is no bare phone (10+ digits end the run), two or more are a list, an extension after them or not
 * (a group of the same separator right before them, MORE_BEFORE). Rescanning from each group, as
 * scan() does after a refusal, only repeated that test: 1 MB of "1 2 3 " took 0.5 s of the phone
 * scan's CPU. The run's last group is scanned again (it may start a phone of another separator, "12
 * 12 555-1234"). Only the run itself is searched for its groups: searching the text before it made
 * 1 MB of "11-22-33-44-55-66;" (no space anywhere) quadratic, 18 s.
 */
export function listRunResume(text: string, start: number): number {
  // The run's first group is an extension's ("555 0000 ext. 12 555 1234"): the group after it has no
  // group before it (EXT_BEFORE) and may start a phone.
  if (EXT_DIGITS_AT.test(text.slice(Math.max(0, start - 8), start))) return start + 1;
  SPACED_RUN.lastIndex = start;
  const run = SPACED_RUN.exec(text)?.[0];
  return start + Math.max(1, (run?.lastIndexOf(' ') ?? -1) + 1);
}
