// A count right after a complete North American number: "call 415 555 2671 24 hours a day", "1 415 555
// 2671 7 days a week", "+1 415 555 2671 24 hrs". The phone shape takes up to six digit groups, so the
// count went into the span and a redacting policy masked it with the number ("<PHONE_NUMBER_1> hours a
// day"), or the extra group made a list of the run and the number went out unmasked. A NANP number is
// 10 digits (11 with a leading 1) ending in its 4-digit line number, so a 1-2 digit group after it that
// a time or unit word follows is a count, not more of the number. Fixed windows only: linear (types.ts).

// "24 hours", "24-hour", "7 days", "10 am", "10 a.m.", "3 times", "2 hrs".
const UNIT_WORD =
  /^[ \t]*-?[ \t]*(?:hours?|hrs?|h|minutes?|mins?|seconds?|secs?|days?|nights?|weeks?|wks?|months?|years?|yrs?|[ap]\.?m\b\.?|o'?clock|times)(?![\p{L}\p{N}])/iu;
const COUNT_AFTER = /^[ .\-](\d{1,2})(?!\d)/;

/** Whether `core` (digit groups, optional "+" and bracketed area code) holds a whole NANP number that
 *  ends in its 4-digit line number. */
export function completeNanp(core: string): boolean {
  const digits = core.replace(/\D/g, '');
  return /\d{4}$/.test(core) && (digits.length === 10 || (digits.length === 11 && digits[0] === '1'));
}

/** Whether text[end..] starts with one 1-2 digit group that a time or unit word follows (" 24 hours"). */
export function countFollows(text: string, end: number): boolean {
  const after = text.slice(end, end + 32);
  const c = COUNT_AFTER.exec(after);
  return c !== null && UNIT_WORD.test(after.slice(c[0].length));
}

/** `core`, a phone candidate at text[start..], without a trailing count after a complete NANP number. */
export function dropCount(text: string, start: number, core: string): string {
  const last = /[ .\-]\d{1,2}$/.exec(core);
  if (!last) return core;
  const head = core.slice(0, last.index);
  return completeNanp(head) && countFollows(text, start + head.length) ? head : core;
}
