// Contact-card layout: a line that is only a person's name, followed directly by a short line of
// words, is "name / company" (every such pair in the Presidio training rows, 57 of 57, labels the
// second line ORGANIZATION); after a blank line instead, it is "name / job title" (13 of 13, all
// from one resume-style template family, so weaker evidence). The token model misses these
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
  const kept = ents.filter((e) => !added.some((a) => e.start < a.end && e.end > a.start));
  return [...kept, ...added].sort((a, b) => a.start - b.start || a.end - b.end);
}
