// Edge clean-up for model spans of word-valued types: a span never starts or ends with line
// furniture (quote markers ">", list dashes, commas, an unmatched parenthesis) that a per-token
// model sometimes drags in at line breaks, and it closes a parenthesis it opened ("Cyprus (Greek)").
// Addresses also take a postal code that directly follows them on the same line
// ("... Portugal" + " 44674"), which the model tends to leave out.
import type { PiiEntity } from '../types.ts';

const EDGE_JUNK = /[\s>,;:(|*•\-]/u;
const ZIP_AFTER = /^ {1,2}(?:[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|\d{4,6}(?:-\d{3,4})?)(?![\p{L}\p{N}])/u;

const FORM_OF_ADDRESS = /^(?:sir|madam|ma'am|mr|mrs|ms|miss|dr|prof|lord|lady|dear)\.?$/i;

/** Types whose values are words; phone numbers and the like keep their brackets and dashes. */
const WORDY_TYPES = new Set(['PERSON', 'ORGANIZATION', 'GPE', 'STREET_ADDRESS', 'TITLE', 'NRP']);

export function cleanEdges(text: string, e: PiiEntity): PiiEntity | null {
  if (!WORDY_TYPES.has(e.type)) return e;
  let { start, end } = e;
  while (start < end && EDGE_JUNK.test(text[start]!)) start++;
  while (end > start && EDGE_JUNK.test(text[end - 1]!)) end--;
  // "the Netherlands": a lowercase article is not part of a place or person name ("The Hague" is).
  if (e.type === 'GPE' || e.type === 'PERSON') {
    const art = /^the +(?=\p{Lu})/u.exec(text.slice(start, end));
    if (art) start += art[0].length;
  }
  if (end <= start) return null;
  // A form of address alone ("Excuse me, Sir") names nobody.
  if (e.type === 'PERSON' && FORM_OF_ADDRESS.test(text.slice(start, end))) return null;
  const span = text.slice(start, end);
  const open = span.split('(').length - span.split(')').length;
  if (open > 0 && text[end] === ')') end++;
  if (e.type === 'STREET_ADDRESS' && /[\p{L}]/u.test(text[end - 1] ?? '')) {
    const m = ZIP_AFTER.exec(text.slice(end, end + 16));
    if (m) end += m[0].length;
  }
  return start === e.start && end === e.end ? e : { ...e, start, end };
}
