// Edge clean-up for model spans of word-valued types: a span never starts or ends with line
// furniture (quote markers ">", list dashes, commas, an unmatched parenthesis) that a per-token
// model sometimes drags in at line breaks, and it closes a parenthesis it opened ("Cyprus (Greek)").
// Addresses also take a postal code that directly follows them on the same line
// ("... Portugal" + " 44674"), which the model tends to leave out.
import type { PiiEntity } from '../types.ts';

const EDGE_JUNK = /[\s>,;:(|*•\-]/u;
const ZIP_AFTER = /^ {1,2}(?:[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|\d{4,6}(?:-\d{3,4})?)(?![\p{L}\p{N}])/u;

const FORM_OF_ADDRESS = /^(?:sir|madam|ma'am|mr|mrs|ms|miss|dr|prof|lord|lady|dear)\.?$/i;
const FORM_OF_ADDRESS_MAX = "ma'am.".length;
const ARTICLE = /^the +(?=\p{Lu})/u;
const PLACE_QUALIFIER = /^ \(\p{Lu}[\p{L}\p{M}]+\)/u;

/** More "(" than ")" in text[start, end). */
function unclosed(text: string, start: number, end: number): boolean {
  let open = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) open++;
    else if (c === 41) open--;
  }
  return open > 0;
}

/** Types whose values are words; phone numbers and the like keep their brackets and dashes. */
const WORDY_TYPES = new Set(['PERSON', 'ORGANIZATION', 'GPE', 'STREET_ADDRESS', 'TITLE', 'NRP']);

export function cleanEdges(text: string, e: PiiEntity): PiiEntity | null {
  if (!WORDY_TYPES.has(e.type)) return e;
  let { start, end } = e;
  while (start < end && (EDGE_JUNK.test(text[start]!) || text[start] === '.')) start++;
  while (end > start && EDGE_JUNK.test(text[end - 1]!)) end--;
  // "the Netherlands": a lowercase article is not part of a place or person name ("The Hague" is).
  // (The cheap checks in front of each regex only skip spans it cannot match; this runs on every model span.)
  if ((e.type === 'GPE' || e.type === 'PERSON') && text.startsWith('the ', start)) {
    const art = ARTICLE.exec(text.slice(start, end));
    if (art) start += art[0].length;
  }
  if (end <= start) return null;
  // A form of address alone ("Excuse me, Sir") names nobody.
  if (e.type === 'PERSON' && end - start <= FORM_OF_ADDRESS_MAX && FORM_OF_ADDRESS.test(text.slice(start, end))) return null;
  if (text[end] === ')' && unclosed(text, start, end)) end++;
  // "Cyprus (Greek)", "Unionville (Orange)": a place's bracketed qualifier is part of its name
  // (2 of 2 "Name (Word)" in the training split lie inside one span).
  else if (e.type === 'GPE' && text.charCodeAt(end) === 32 && text[end + 1] === '(') {
    const m = PLACE_QUALIFIER.exec(text.slice(end, end + 32));
    if (m) end += m[0].length;
  }
  if (e.type === 'STREET_ADDRESS' && /[\p{L}]/u.test(text[end - 1] ?? '')) {
    const m = ZIP_AFTER.exec(text.slice(end, end + 16));
    if (m) end += m[0].length;
  }
  return start === e.start && end === e.end ? e : { ...e, start, end };
}

const NAME_TYPES = new Set(['PERSON', 'ORGANIZATION', 'GPE']);
const UNITS = new Set(['amp', 'amps', 'volt', 'volts', 'watt', 'watts', 'ohm', 'ohms', 'sec', 'min', 'hrs', 'hours', 'days', 'years', 'feet', 'inch', 'inches', 'mile', 'miles', 'sqft', 'kgs', 'lbs', 'mph', 'kmh', 'rpm', 'and', 'the', 'per', 'mol', 'cal', 'kcal', 'liter', 'liters', 'meter', 'meters', 'cm2', 'psi', 'atm', 'kpa', 'mmhg']);

/**
 * Spans a per-token model emits on benign text that no gold label ever looks like: a name with no
 * word of two or more letters ("S", "b", "e."), a person that is one short all-caps token ("DNA",
 * "II"; places like "UK" stay), an address that is only digits and symbols ("98", "=") with no other
 * address or place next to it. Questions with variables, formulas and acronyms produced most of
 * the false positives (measured on MMLU-Pro questions from ../shared/data, which hold no PII).
 */
/**
 * A machine identifier: MAC address (colons, dashes or Cisco dots), UUID, or a hex run of 12+ with a
 * letter and a digit. None is a PII type here, and the training data has none, so the per-token model
 * reads their digit groups as clock times or numbers ("f4:45:f2:47:17:27" -> DATE_TIME "47:17:").
 */
const MACHINE_ID = /^(?:[0-9a-f]{2}(?:([:-])[0-9a-f]{2})(?:\1[0-9a-f]{2}){4}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,})$/i;
const TOKEN_EDGE = /[\s()[\]{}<>"'`,;!?]/;

/** Whether the span lies inside one whitespace-delimited token that is a machine identifier. */
function insideMachineId(text: string, e: PiiEntity): boolean {
  let start = e.start, end = e.end;
  // A token longer than any identifier is not one; the bound also keeps this cheap on long runs.
  while (start > 0 && e.start - start < 64 && !TOKEN_EDGE.test(text[start - 1]!)) start--;
  while (end < text.length && end - e.end < 64 && !TOKEN_EDGE.test(text[end]!)) end++;
  const token = text.slice(start, end).replace(/\.+$/, '');
  return token.length >= 12 && token.length <= 40 && MACHINE_ID.test(token);
}

export function implausible(text: string, e: PiiEntity, all: readonly PiiEntity[]): boolean {
  const value = text.slice(e.start, e.end);
  if (insideMachineId(text, e)) return true;
  if (NAME_TYPES.has(e.type)) {
    if (!/[\p{L}\p{M}]{2}/u.test(value)) return true;
    if (e.type === 'PERSON' && /^[\p{Lu}\p{N}]{1,4}$/u.test(value)) return true;
    // One lowercase word ("nitrogen", "standard") is a name only from someone who writes all in lowercase.
    if (/^[\p{Ll}\p{M}'’\-]+$/u.test(value) && /\p{Lu}/u.test(text)) return true;
  }
  if (e.type === 'STREET_ADDRESS') {
    if (!/[\p{L}]{2}/u.test(value)) {
      return !all.some((o) => o !== e && (o.type === 'STREET_ADDRESS' || o.type === 'GPE') && o.start < e.end + 40 && o.end > e.start - 40);
    }
    // "36 sq.", "2965 cm", "and": a street needs a name (a word of three letters that is no unit),
    // and without a number at least two words, one capitalised ("Martinez Mall").
    const words = value.match(/[\p{L}\p{M}]{3,}/gu)?.filter((w) => !UNITS.has(w.toLowerCase())) ?? [];
    if (words.length === 0) return true;
    if (!/\d/.test(value) && (value.trim().split(/\s+/).length < 2 || !/\p{Lu}/u.test(value))) return true;
  }
  return false;
}

const SHORT_NUMBER_DOT = /(?:^|[^\d])\d{1,3}\.$/;

/**
 * A sentence's full stop is not part of the place or address it ends ("... Veszprém VE." ->
 * "... Veszprém VE"); line-wise growth takes it along. Training split: of the address and place
 * spans followed by "." and a space or the end, the "." is outside the span in 27 of 27 address
 * cases after a letter or a 4-5 digit postcode and 38 of 38 place cases; a Hungarian-style house
 * number keeps its dot ("Erzsébet tér 19.": inside in 7 of 8 cases after a 1-3 digit number).
 */
export function dropFullStop(text: string, e: PiiEntity): PiiEntity {
  if ((e.type !== 'STREET_ADDRESS' && e.type !== 'GPE') || e.end - e.start < 3 || text[e.end - 1] !== '.') return e;
  if (e.end < text.length && !/\s/.test(text[e.end]!)) return e;
  const value = text.slice(e.start, e.end);
  // "U.S.", "N.J.": an abbreviation keeps its dot (WNUT-17 tweets end sentences with them)
  if (SHORT_NUMBER_DOT.test(value) || !/(?:\p{L}{2}|\d)\.$/u.test(value)) return e;
  return { ...e, end: e.end - 1 };
}
