// Address spans in line-per-field layouts (letters, contact cards): the token model tends to
// drop a line's leading house number ("[Lovers Lane]" for "3378 217 Lovers Lane") or its last
// words. A street-address span that starts a line is grown to the line's start and end when the
// rest of that line is plain words and numbers. Presidio's generator often writes such a line
// as "<building number> <street address>" and labels the two parts separately (training split:
// 73 of 118 address lines that start with a number; 45 keep one span), so a line-start address
// that spans the whole line and begins with a number and then more text is split after it, unless
// the line also holds the unit ("3482 Via Franscini 71 Suite 838"): such lines keep one span in 21
// of 27 training cases (one-line ones without a unit or comma are split in 73 of 73).
import type { PiiEntity } from '../types.ts';

const PREFIX = /^[>\s]*/;
const PLAIN = /^[\p{L}\p{M}\p{N}.'’\- ]*$/u;
const LEAD_NUMBER = /^(\d{1,6}) (?=[\p{L}\p{N}])/u;
const UNIT_WORD = /(?:^|\s)(?:apt|apartment|suite|unit)\b/i;

export function repairAddressLines(text: string, ents: PiiEntity[]): PiiEntity[] {
  const out: PiiEntity[] = [];
  for (const e of ents) {
    if (e.type !== 'STREET_ADDRESS' || e.source !== 'model' || text.slice(e.start, e.end).includes('\n') || !text.includes('\n')) {
      out.push(e);
      continue;
    }
    const lineStart = text.lastIndexOf('\n', e.start - 1) + 1;
    const nl = text.indexOf('\n', e.end);
    const lineEnd = nl < 0 ? text.length : nl;
    const contentStart = lineStart + PREFIX.exec(text.slice(lineStart, lineEnd))![0].length;
    let contentEnd = lineEnd;
    while (contentEnd > contentStart && /\s/.test(text[contentEnd - 1]!)) contentEnd--;
    const before = text.slice(contentStart, e.start);
    const after = text.slice(e.end, contentEnd);
    const others = ents.some((x) => x !== e && x.start < contentEnd && x.end > contentStart);
    // Only address lines: the line starts with the house number or with the span itself.
    const lineStartsAddress = before === '' || /^\d/.test(before);
    if (others || !lineStartsAddress || !PLAIN.test(before) || !PLAIN.test(after) || (before + after).split(' ').length > 6) {
      out.push(e);
      continue;
    }
    const value = text.slice(contentStart, contentEnd);
    const lead = LEAD_NUMBER.exec(value);
    // Only "<number> <street with its own number>" ("3378 217 Lovers Lane", "727 Gesterbyntie 68");
    // "24 Clarke Avenue" is one street address.
    if (lead && /\d/.test(value.slice(lead[0].length)) && !UNIT_WORD.test(value)) {
      out.push({ ...e, start: contentStart, end: contentStart + lead[1]!.length });
      out.push({ ...e, start: contentStart + lead[0].length, end: contentEnd });
    } else out.push({ ...e, start: contentStart, end: contentEnd });
  }
  return out;
}
