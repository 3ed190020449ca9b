// A count right after a complete phone number: "call 415 555 2671 24 hours a day", "1 415 555 2671 7
// days a week", "+1 415 555 2671 24 hrs", "call 020 7946 0018 24 hours". The phone shape takes up to
// six digit groups, so the count went into the span and a redacting policy masked it with the number
// ("<PHONE_NUMBER_1> hours a day"), or the extra group made a list of the run and the number went out
// unmasked. A number whose length says it is whole (completeNumber) and that a 1-2 digit group and a
// time or unit word follow has a count after it, not more of it. Fixed windows only: linear (types.ts).

// "24 hours", "24-hour", "7 days", "10 am", "10 a.m.", "3 times", "2 hrs".
const UNIT_WORD =
  /^[ \t]*-?[ \t]*(?:hours?|hrs?|h|minutes?|mins?|seconds?|secs?|days?|nights?|weeks?|wks?|months?|years?|yrs?|[ap]\.?m\b\.?|o'?clock|times)(?![\p{L}\p{N}])/iu;
const COUNT_AFTER = /^[ .\-](\d{1,2})(?!\d)/;

/**
 * Whether `core` (digit groups, optional "+" and bracketed area code) holds a whole number ending in
 * its line number: North American, 10 digits (11 with a leading 1) ending in 4; British, a trunk 0
 * and 10 digits ("020 7946 0018", "0161 496 0000", "07700 900123") or +44 and 10 digits ("(0)"
 * optional), ending in a group of 2 or more: one written in pairs ("0161 496 00 00 12 hours") is whole
 * too, and taking only a last group of 3+ left the count in its run, read as a list: the number went
 * unmasked. No training-split phone with a trunk 0 has more than 11 digits, an extension aside (42 of
 * them; "079 0442 1744", "07700 063 966", "0378 3549890"), so a 1-2 digit group after 11 is no more of it.
 */
export function completeNumber(core: string): boolean {
  const digits = core.replace(/\D/g, '');
  if (/\d{4}$/.test(core) && (digits.length === 10 || (digits.length === 11 && digits[0] === '1'))) return true;
  return /\d{2}$/.test(core) && (/^0[1-9]\d{9}$/.test(digits) || (core.startsWith('+44') && /^440?[1-9]\d{9}$/.test(digits)));
}

/** Whether text[end..] starts with one 1-2 digit group that a time or unit word follows (" 24 hours"). */
export function countFollows(text: string, end: number): boolean {
  const after = text.slice(end, end + 32);
  const c = COUNT_AFTER.exec(after);
  return c !== null && UNIT_WORD.test(after.slice(c[0].length));
}

/** `core`, a phone candidate at text[start..], without a trailing count after a complete number. */
export function dropCount(text: string, start: number, core: string): string {
  const last = /[ .\-]\d{1,2}$/.exec(core);
  if (!last) return core;
  const head = core.slice(0, last.index);
  return completeNumber(head) && countFollows(text, start + head.length) ? head : core;
}
