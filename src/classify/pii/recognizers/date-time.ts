import { digitRunStarts, isAsciiAlnum, scanAt, sticky } from './anchors.ts';
import type { PatternMatch, Recognizer } from './types.ts';

// Only forms that are dates with high probability: ISO date(-time), m/d/yyyy and d/m/yyyy with
// range checks, dates with a month name, clock times with am/pm or o'clock, and years 1900-2099
// after a word that makes them years ("in 1977", "during 1980", "Act of 1964"; a bare four-digit
// number is too often a house number). Weekdays are left to the token model.
const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
// Every pattern is tried only where it can begin (anchors.ts): ISO, numeric, year and time forms at
// the start of a digit run, named forms there or at a word a few characters before one.
const ISO_RE = sticky(/(?<![\p{N}\-])(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?(?![\p{N}])/gu);
const NUMERIC_RE = sticky(/(?<![\p{N}\/.\-])(\d{1,2})([\/.\-])(\d{1,2})\2(\d{4}|\d{2})(?![\p{N}]|[\/.\-]\d)/gu);
const NAMED_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:\\d{1,2}(?:st|nd|rd|th)?(?: of)? ${MONTH},? \\d{4}|${MONTH} \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}|${MONTH} \\d{4})(?![\\p{L}\\p{N}])`,
  'iuy',
);
const YEAR_RE = sticky(/(?<=(?<![\p{L}\p{N}])(?:in|during|since|until|till|of|from|by|year|circa|around|before|after) )(?:19|20)\d\d(?![\p{L}\p{N}]|[\-\/.:]\d)/giu);
const TIME_RE = sticky(/(?<![\p{L}\p{N}:.])(\d{1,2})(?::(\d{2}))? ?(?:[ap]\.m\.|[ap]m\b|o'clock\b)/giu);
// "september." is the longest month form: a month-first date begins at most 11 characters before
// the digits that follow it ("MONTH 14", one space).
const MONTH_REACH = 11;
// First letters of the months. Under /iu the only non-ASCII character that folds onto one is U+017F (s).
const MONTH_INITIAL = /[jfmasond\u017f]/i;

/** Where NAMED_RE can begin: a digit run, or a word start shortly before a digit run that follows a space. */
function namedStarts(text: string, digits: readonly number[]): number[] {
  const out: number[] = [];
  let prev = -1;
  for (const d of digits) {
    // "MONTH " holds no digit, so its start lies after the previous digit run's start: the
    // candidates come out ascending and each is tried once.
    if (d >= 2 && text.charCodeAt(d - 1) === 32) {
      for (let p = Math.max(0, d - MONTH_REACH, prev + 1); p <= d - 2; p++) {
        if (p > 0 && isAsciiAlnum(text.charCodeAt(p - 1))) continue;
        if (MONTH_INITIAL.test(text[p]!)) out.push(p);
      }
    }
    out.push(d);
    prev = d;
  }
  return out;
}

function validDay(a: number, b: number): boolean {
  // Accept month/day or day/month.
  return (a >= 1 && a <= 12 && b >= 1 && b <= 31) || (b >= 1 && b <= 12 && a >= 1 && a <= 31);
}

const span = (m: RegExpExecArray, confidence: number): PatternMatch => ({ type: 'DATE_TIME', start: m.index, end: m.index + m[0].length, confidence });

export const dateTimeRecognizer: Recognizer = {
  type: 'DATE_TIME',
  find: (text) => {
    const digits = digitRunStarts(text);
    if (digits.length === 0) return [];
    return [
      ...scanAt(text, ISO_RE, digits, (m) => {
        const mo = Number(m[2]);
        const d = Number(m[3]);
        if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
        if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return null;
        return span(m, 0.95);
      }),
      ...scanAt(text, NUMERIC_RE, digits, (m) => {
        if (!validDay(Number(m[1]), Number(m[3]))) return null;
        // Two-digit years with dots ("1.2.33") are too often versions or amounts.
        if (m[4]!.length === 2 && m[2] !== '/') return null;
        return span(m, m[4]!.length === 4 ? 0.9 : 0.7);
      }),
      ...scanAt(text, NAMED_RE, namedStarts(text, digits), (m) => span(m, 0.9)),
      ...scanAt(text, YEAR_RE, digits, (m) => span(m, 0.75)),
      ...scanAt(text, TIME_RE, digits, (m) => {
        const h = Number(m[1]);
        if (h < 1 || h > 12 || (m[2] !== undefined && Number(m[2]) > 59)) return null;
        return span(m, 0.8);
      }),
    ];
  },
};
