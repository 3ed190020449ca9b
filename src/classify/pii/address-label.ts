// An address block under a line that ends in "address:" ("Address:", "here's Liam's address:") is
// one STREET_ADDRESS span in Presidio's rows, whatever its layout: street, unit, city and country
// lines together (training split: 20 of 20 such blocks, from the label to the next blank line, a
// final full stop left out). Elsewhere an address on its own lines is labelled line by line
// (address-blocks.ts), so the label is what tells the two apart. The model's address span on the
// block's first line is the evidence that the block is an address; the places, units and postcodes
// it laid out inside the block are folded into the one span.
import type { PiiEntity } from '../types.ts';

const LABEL = /(?:^|\n)[^\n]*address:[ \t]*\n/giu;
const ABSORBED = new Set(['STREET_ADDRESS', 'GPE', 'ZIP_CODE', 'PERSON', 'ORGANIZATION', 'NRP']);
const MAX_LINES = 6;
const BLANK = /\n[ \t]*\n/gu;

/** Lines in [start, end), counted no further than MAX_LINES + 1. */
function linesUpTo(text: string, start: number, end: number): number {
  let n = 1;
  for (let i = text.indexOf('\n', start); i >= 0 && i < end && n <= MAX_LINES; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** [start, end) of the block after each address label: leading blank lines skipped, up to the next blank line. */
function blocks(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of text.matchAll(LABEL)) {
    let start = m.index + m[0].length;
    while (start < text.length && /\s/u.test(text[start]!)) start++;
    // Searched in place (lastIndex), not in a slice: a long text with many labels stays linear.
    BLANK.lastIndex = start;
    const blank = BLANK.exec(text);
    let end = blank ? blank.index : text.length;
    while (end > start && /[\s.]/u.test(text[end - 1]!)) end--;
    if (end > start && linesUpTo(text, start, end) <= MAX_LINES) out.push([start, end]);
  }
  return out;
}

/** `ents`: model spans (before the threshold filter); returned sorted by start. */
export function labelledAddresses(text: string, ents: PiiEntity[]): PiiEntity[] {
  if (!/address:/iu.test(text)) return ents;
  let out = ents;
  for (const [start, end] of blocks(text)) {
    const nl = text.indexOf('\n', start);
    const firstLineEnd = nl < 0 || nl > end ? end : nl;
    const anchor = out.find((e) => e.type === 'STREET_ADDRESS' && e.start < firstLineEnd && e.end > start);
    if (!anchor) continue;
    const inside = (e: PiiEntity) => (e.start >= start && e.end <= end && ABSORBED.has(e.type)) || (e.type === 'STREET_ADDRESS' && e.start < end && e.end > start);
    // The anchor is among the folded spans, so the list is never empty.
    const confidence = Math.max(...out.filter((e) => inside(e) && e.type === 'STREET_ADDRESS').map((e) => e.confidence));
    out = [...out.filter((e) => !inside(e)), { type: 'STREET_ADDRESS', start, end, confidence, source: 'model' as const }];
  }
  return out === ents ? ents : out.sort((a, b) => a.start - b.start);
}
