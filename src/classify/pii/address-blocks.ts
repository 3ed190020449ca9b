// Multi-line postal addresses. Presidio's rows label them in one of two ways, and the layout says
// which (training split, rows with a unit line such as "Apt. 297"):
// - the address stands on its own lines, street line starting with the number (73 of 82 split):
//   each line is its own span: street (STREET_ADDRESS), unit (STREET_ADDRESS), city (GPE),
//   "Country 12345" (GPE + STREET_ADDRESS for the postcode);
// - the address follows prose on its first line ("... send it to 5551 Tjalling Harkeswei 125",
//   56 of 56 one span): one STREET_ADDRESS span over all its lines.
// The token model finds the address but not reliably which convention applies, so this pass takes
// its street span as the anchor and lays out the following address lines by the rule above.
import type { PiiEntity } from '../types.ts';

interface Line {
  start: number; // content start (after "> " quote markers and indentation)
  end: number; // content end (trailing spaces cut)
  value: string;
}

const UNIT = /^(?:Apt\.?|Apartment|Suite|Unit|Box|P\.?O\.? Box)\s*\d{1,6}$/iu;
const CITY = /^[\p{L}\p{M}][\p{L}\p{M}'’.\-() ]{0,40}$/u;
const COUNTRY_ZIP = /^([\p{L}\p{M}][\p{L}\p{M}'’.\-() ]{0,40}) (\d{4,6}(?:-\d{3,4})?)$/u;
const ZIP = /^,?\s*\d{4,6}(?:-\d{3,4})?$/u;
const REGION = /^,\s*[\p{L}\p{N}]{1,4}$/u;
const MAX_LINES = 5;

function lineAt(text: string, pos: number): Line {
  const s = text.lastIndexOf('\n', pos - 1) + 1;
  const nl = text.indexOf('\n', pos);
  const e = nl < 0 ? text.length : nl;
  const raw = text.slice(s, e);
  const lead = raw.length - raw.replace(/^[>\s]*/, '').length;
  // Sentence punctuation after the last address line ("... Netherlands?") is not part of it.
  const value = raw.slice(lead).trimEnd().replace(/[?!.,;:]+$/, '');
  return { start: s + lead, end: s + lead + value.length, value };
}

/** Whether the content of the line at pos (what lineAt gives) starts with a digit, without cutting the line out. */
function lineStartsWithDigit(text: string, pos: number): boolean {
  const s = text.lastIndexOf('\n', pos - 1) + 1;
  const nl = text.indexOf('\n', pos);
  const e = nl < 0 ? text.length : nl;
  let i = s;
  while (i < e && LINE_LEAD.test(text[i]!)) i++;
  // lineAt's trims at the end never reach a leading digit: a digit is neither space nor punctuation.
  const c = i < e ? text.charCodeAt(i) : -1;
  return c >= 48 && c <= 57;
}
const LINE_LEAD = /[>\s]/;

function continuation(line: Line): 'unit' | 'city' | 'country' | 'zip' | 'region' | null {
  if (UNIT.test(line.value)) return 'unit';
  if (ZIP.test(line.value)) return 'zip';
  if (REGION.test(line.value)) return 'region';
  if (COUNTRY_ZIP.test(line.value)) return 'country';
  if (CITY.test(line.value) && line.value.split(' ').length <= 5) return 'city';
  return null;
}

const PROSE_AFTER = /^(?:([\p{L}\p{M}][\p{L}\p{M}'’.\-() ]{0,40}) )?(\d{4,6}(?:-\d{3,4})?)(?=[.,;:!?]|\s+\p{Ll})/u;

function endsInProse(line: Line): [Line, 'country' | 'zip'] | null {
  const m = PROSE_AFTER.exec(line.value);
  if (!m) return null;
  const value = m[0];
  return [{ start: line.start, end: line.start + value.length, value }, m[1] ? 'country' : 'zip'];
}

const sa = (start: number, end: number, confidence: number): PiiEntity => ({ type: 'STREET_ADDRESS', start, end, confidence, source: 'model' });
const gpe = (start: number, end: number, confidence: number): PiiEntity => ({ type: 'GPE', start, end, confidence, source: 'model' });

export function layoutAddressBlocks(text: string, ents: PiiEntity[]): PiiEntity[] {
  if (!text.includes('\n')) return ents;
  let out = ents;
  for (const anchor of ents) {
    if (anchor.type !== 'STREET_ADDRESS' || anchor.source !== 'model' || !out.includes(anchor)) continue;
    const first = lineAt(text, anchor.start);
    const standalone = /^\d/.test(first.value);
    const lines: Array<[Line, NonNullable<ReturnType<typeof continuation>>]> = [];
    let pos = first.end;
    for (let k = 0; k < MAX_LINES; k++) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const line = lineAt(text, nl + 1);
      const kind = line.value ? continuation(line) : null;
      if (!kind) {
        // The address may end inside a line of prose: "Portugal 44674 for post mail?", "60810. It serves".
        const tail = endsInProse(line);
        if (tail) lines.push(tail);
        break;
      }
      lines.push([line, kind]);
      pos = line.end;
    }
    // A bare city line alone after prose is too weak to call part of an address.
    if (lines.length === 0 || (lines.length === 1 && lines[0]![1] === 'city')) continue;
    const last = lines[lines.length - 1]![0];
    // In prose, the street line starts at the number or capitalised words just before the anchor.
    let from = standalone ? first.start : anchor.start;
    if (!standalone) {
      const words = text.slice(first.start, anchor.start).split(' ');
      let k = words.length - 1;
      if (words[k] === '') k--;
      let back = 0;
      while (k >= 0 && /^(?:\d{1,6}|\p{Lu}[\p{L}\p{M}'’.\-]*)$/u.test(words[k]!)) back += words[k--]!.length + 1;
      from = anchor.start - back;
    }
    const conf = anchor.confidence;
    const made: PiiEntity[] = [];
    if (standalone) {
      made.push(sa(Math.max(anchor.start, first.start), first.end, conf));
      for (const [line, kind] of lines) {
        if (kind === 'unit' || kind === 'zip') made.push(sa(line.start, line.end, conf));
        else if (kind === 'city') made.push(gpe(line.start, line.end, conf));
        else if (kind === 'country') {
          const m = COUNTRY_ZIP.exec(line.value)!;
          made.push(gpe(line.start, line.start + m[1]!.length, conf), sa(line.end - m[2]!.length, line.end, conf));
        }
      }
    } else made.push(sa(from, last.end, conf));
    // Model spans over these lines give way; recognizer spans (phones, emails) stay and win.
    const lo = from;
    const hi = last.end;
    const keep = out.filter((e) => e.source === 'pattern' || e.end <= lo || e.start >= hi);
    const free = made.filter((m) => !keep.some((e) => e.start < m.end && e.end > m.start));
    out = [...keep, ...free].sort((a, b) => a.start - b.start || a.end - b.end);
  }
  return out;
}

/**
 * One-line addresses in prose take the places that follow them ("760 Passauer Strasse 33, Cite
 * Guedouala, Tunisia"): Presidio labels the whole run as one address, while the token model tends
 * to tag the city or country as a separate GPE.
 */
export function joinInlinePlaces(text: string, ents: PiiEntity[]): PiiEntity[] {
  const out: PiiEntity[] = [];
  for (let i = 0; i < ents.length; i++) {
    let e = ents[i]!;
    if (e.type === 'STREET_ADDRESS' && e.source === 'model' && !lineStartsWithDigit(text, e.start)) {
      // and the house numbers just before them ("at [760 ]Passauer Strasse 33")
      const lead = /(?:(?<![\p{L}\p{N}])\d{1,6} ){1,2}$/u.exec(text.slice(Math.max(0, e.start - 16), e.start));
      if (lead && !out.some((o) => o.end > e.start - lead[0].length)) e = { ...e, start: e.start - lead[0].length };
      while (i + 1 < ents.length) {
        const n = ents[i + 1]!;
        if (n.type !== 'GPE' || n.source !== 'model' || !/^,? {1,2}$/.test(text.slice(e.end, n.start))) break;
        e = { ...e, end: n.end };
        i++;
      }
    }
    out.push(e);
  }
  return out;
}

const CORNER = /(?:^|[\s,:>])(the corner of )$/iu;
const AND_STREET = /^ and ((?:[\p{L}\p{M}\p{N}'’.\-]+ ?){1,5}?)(?=[,.;:!?)\n]|$| (?:and|in|at|for|to|on|last|next|please|is|was)\b)/u;

/**
 * "the corner of Kuusiku 7 and Alexander Flat" is one address in Presidio's labels (18 of 18 in
 * the training split), phrase included; the model usually finds only the first street.
 */
export function cornerAddresses(text: string, ents: PiiEntity[]): PiiEntity[] {
  if (!/corner of/i.test(text)) return ents;
  let out = ents;
  for (const e of ents) {
    if (e.type !== 'STREET_ADDRESS' || e.source !== 'model') continue;
    let start = e.start;
    const pre = CORNER.exec(text.slice(Math.max(0, e.start - 20), e.start));
    if (pre) start = e.start - pre[1]!.length;
    else if (!/^the corner of /i.test(text.slice(e.start, e.end))) continue;
    let end = e.end;
    const and = AND_STREET.exec(text.slice(e.end, e.end + 80));
    if (and) end = e.end + and[0].trimEnd().length;
    if (start === e.start && end === e.end) continue;
    const grown: PiiEntity = { ...e, start, end };
    out = [...out.filter((x) => x !== e && (x.source === 'pattern' || x.end <= start || x.start >= end)), grown].sort((a, b) => a.start - b.start || a.end - b.end);
  }
  return out;
}
