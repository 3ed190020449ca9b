// Contact-card layout: a line that is only a person's name, followed directly by a short line of
// words, is "name / company" (19 of 19 such pairs in the training split label the second line
// ORGANIZATION); after a blank line instead, it is "name / job title". That second rule was made
// on the dev split (13 of 13 there, one resume-style template family; no training row has the
// layout), so it is dev-tuned and the weakest rule here. The token model misses these
// ("Irecycle", "Talking-books clerk") because nothing in the line itself says what it is. Model
// spans inside that line give way.
import type { PiiEntity } from '../types.ts';

const LINE_PREFIX = /^[>\s]*/;
const COMPANY_LINE = /^[\p{L}][\p{L}\p{M}'’&.,\- ]{0,60}$/u;

export function cardOrganizations(text: string, ents: PiiEntity[]): PiiEntity[] {
  if (!text.includes('\n')) return ents;
  const persons = ents.filter((e) => e.type === 'PERSON');
  const added: PiiEntity[] = [];
  for (const p of persons) {
    const lineStart = text.lastIndexOf('\n', p.start - 1) + 1;
    const before = text.slice(lineStart, p.start);
    let nl = text.indexOf('\n', p.end);
    let type = 'ORGANIZATION';
    if (nl >= 0 && /^[ \t]*\n/.test(text.slice(nl + 1, nl + 40))) {
      nl = text.indexOf('\n', nl + 1);
      type = 'TITLE';
    }
    if (nl < 0 || !LINE_PREFIX.test(before) || before.replace(LINE_PREFIX, '') !== '' || text.slice(p.end, nl).trim() !== '') continue;
    const nextEnd = text.indexOf('\n', nl + 1) < 0 ? text.length : text.indexOf('\n', nl + 1);
    const line = text.slice(nl + 1, nextEnd);
    const lead = LINE_PREFIX.exec(line)![0].length;
    const value = line.slice(lead).trimEnd();
    if (!COMPANY_LINE.test(value) || value.split(' ').length > 6 || value.endsWith(':')) continue;
    const start = nl + 1 + lead;
    const end = start + value.length;
    if (ents.some((e) => e.source === 'pattern' && e.start < end && e.end > start)) continue;
    if (ents.some((e) => e.type === 'PERSON' && e.start === start && e.end === end)) continue;
    added.push({ type, start, end, confidence: 0.6, source: 'model' });
  }
  if (added.length === 0) return ents;
  const kept = ents.flatMap((e) => {
    const hit = added.find((a) => e.start < a.end && e.end > a.start);
    if (!hit) return [e];
    // A model span that runs on from the company line into the next one ("Mhealthcoach\n50668
    // Kiannonkatu 98": a weak tag on the company joined to the address below) keeps its part there.
    const next = text.indexOf('\n', hit.end);
    if (e.start < hit.start || next < 0 || e.end <= next + 1 || e.source !== 'model') return [];
    let start = next + 1;
    while (start < e.end && /[>\s]/.test(text[start]!)) start++;
    return start < e.end ? [{ ...e, start }] : [];
  });
  return [...kept, ...added].sort((a, b) => a.start - b.start || a.end - b.end);
}

// Two or three capitalised words or initials: "Gyala Antall", "Ella H. Snider", "Mijail C Adomo".
const NAME_LINE = /^(?:\p{Lu}[\p{Ll}\p{M}'’\-]+|\p{Lu}\.?)(?: (?:\p{Lu}[\p{Ll}\p{M}'’\-]+|\p{Lu}\.?)){1,2}$/u;

/**
 * The first line of a multi-line message that is just two or three capitalised words is the
 * sender's or card holder's name (in the Presidio rows about nine in ten such lines are a
 * PERSON, the rest organisations); cards repeat it, so its other whole-line occurrences are too.
 */
export function cardName(text: string, ents: PiiEntity[]): PiiEntity[] {
  const nl = text.indexOf('\n');
  if (nl < 0) return ents;
  let pos = 0;
  let line = '';
  // first non-empty line (quote markers and spaces ignored)
  for (let guard = 0; guard < 4 && pos < text.length; guard++) {
    const end = text.indexOf('\n', pos) < 0 ? text.length : text.indexOf('\n', pos);
    line = text.slice(pos, end);
    if (line.replace(LINE_PREFIX, '').trim() !== '') break;
    pos = end + 1;
  }
  const lead = LINE_PREFIX.exec(line)![0].length;
  const value = line.slice(lead).trimEnd();
  if (!NAME_LINE.test(value)) return ents;
  const hits: PiiEntity[] = [];
  for (let i = text.indexOf(value); i >= 0; i = text.indexOf(value, i + 1)) {
    const j = i + value.length;
    const lineStart = text.lastIndexOf('\n', i - 1) + 1;
    const lineEnd = text.indexOf('\n', j) < 0 ? text.length : text.indexOf('\n', j);
    if (text.slice(lineStart, i).replace(LINE_PREFIX, '') !== '' || text.slice(j, lineEnd).trim() !== '') continue;
    if (ents.some((e) => e.start < j && e.end > i && (e.source === 'pattern' || e.type === 'ORGANIZATION'))) continue;
    hits.push({ type: 'PERSON', start: i, end: j, confidence: 0.6, source: 'model' });
  }
  if (hits.length === 0) return ents;
  const kept = ents.filter((e) => !hits.some((h) => e.start < h.end && e.end > h.start));
  return [...kept, ...hits].sort((a, b) => a.start - b.start || a.end - b.end);
}
