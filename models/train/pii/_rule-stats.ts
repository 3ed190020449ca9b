// Training-split evidence for the span rules of 2026-12-06 (the counts quoted in MODEL_CARD.md and in
// the rules' comments), from gold spans only: npx tsx models/train/pii/_rule-stats.ts [train|dev]
import { phoneRecognizer } from '../../../src/classify/pii/recognizers/phone.ts';
import { loadPiiRows, splitPii, type PiiRow } from './data.ts';

const which = process.argv[2] === 'dev' ? 'dev' : 'train';
const all = splitPii(loadPiiRows())[which];
const presidio = all.filter((r) => r.source === 'presidio');
const wnut = all.filter((r) => r.source === 'wnut17');
const NAME_TYPES = new Set(['PERSON', 'ORGANIZATION', 'GPE']);
const tally = new Map<string, number>();
const add = (k: string) => tally.set(k, (tally.get(k) ?? 0) + 1);
// counts that are zero on the training split, printed as such
for (const k of ['join: presidio followed by another name type after one space', 'context: "<PERSON> of <Cap>"', 'context: "<Cap>\'s <PERSON>"', 'context: "address of <Cap>"']) tally.set(k, 0);
const gold = (r: PiiRow, start: number, end: number) => r.spans.find((s) => s.start === start && s.end === end);

// name-joins.ts: a name span followed, after one space, by a span of another name type
for (const [src, rows] of [['presidio', presidio], ['wnut17', wnut]] as const) {
  for (const r of rows) {
    const s = [...r.spans].sort((a, b) => a.start - b.start);
    s.forEach((x, i) => {
      if (!NAME_TYPES.has(x.type)) return;
      add(`join: ${src} name spans`);
      const y = s[i + 1];
      if (y && NAME_TYPES.has(y.type) && y.type !== x.type && r.text.slice(x.end, y.start) === ' ') add(`join: ${src} followed by another name type after one space`);
    });
  }
}

for (const r of presidio) {
  const t = r.text;
  // name-repair.ts: "Name X. Name" inside one PERSON
  for (const m of t.matchAll(/\p{Lu}\p{Ll}+ \p{Lu}\. \p{Lu}[\p{Ll}\p{M}]+/gu)) {
    add('initial: "Name X. Name" runs');
    if (r.spans.some((g) => g.type === 'PERSON' && g.start <= m.index && g.end >= m.index + m[0].length)) add('initial: inside one PERSON');
  }
  for (const g of r.spans) {
    // span-edges.ts dropFullStop: a "." before a space or the end, inside or right after the span
    if (g.type === 'STREET_ADDRESS' || g.type === 'GPE') {
      const inside = t[g.end - 1] === '.';
      const dot = inside ? g.end - 1 : g.end;
      const after = t.slice(dot + 1, dot + 2);
      if (t[dot] === '.' && (after === '' || /\s/.test(after))) {
        const v = t.slice(g.start, dot);
        const kind = /(?:^|\D)\d{1,3}$/.test(v) ? '1-3 digit number' : /\p{L}$/u.test(v) || /\d{4,}$/.test(v) ? 'letter or postcode' : 'other';
        add(`full stop: ${g.type} after ${kind}, ${inside ? 'inside' : 'outside'}`);
      }
    }
    // span-edges.ts place qualifier
    if (/^ \(\p{Lu}[\p{L}\p{M}]+\)/u.test(t.slice(g.end, g.end + 32))) add(`qualifier: span followed by " (Word)" (${g.type})`);
  }
  for (const m of t.matchAll(/\p{L}+ \(\p{Lu}[\p{L}\p{M}]+\)/gu)) {
    add('qualifier: "Name (Word)" in text');
    if (r.spans.some((g) => g.start <= m.index && g.end >= m.index + m[0].length)) add('qualifier: inside one span');
  }
  // address-lines.ts: line "<number> <street with a number>" starting a gold address
  let pos = 0;
  for (const line of t.split('\n')) {
    const ls = pos;
    pos += line.length + 1;
    const lead = line.length - line.replace(/^[>\s]*/, '').length;
    const v = line.slice(lead).trimEnd();
    const m = /^(\d{1,6}) (?=[\p{L}\p{N}])/u.exec(v);
    if (!m || !/\d/.test(v.slice(m[0].length))) continue;
    const g = r.spans.find((s) => s.start === ls + lead && s.type === 'STREET_ADDRESS');
    if (!g) continue;
    const split = g.end === ls + lead + m[1]!.length;
    const unit = /(?:^|\s)(?:apt|apartment|suite|unit)\b/i.test(v);
    const oneLine = g.end <= ls + line.length && !v.includes(',');
    if (unit) add(`unit line: with a unit, ${split ? 'split' : 'one span'}`);
    else if (oneLine) add(`unit line: one line, no unit or comma, ${split ? 'split' : 'one span'}`);
  }
  // detector.ts: values after a phone label; recognizers/phone.ts: gold phones the recognizer misses
  for (const m of t.matchAll(/(?:^|\n)[> ]*(?:phone|mobile|fax|desk|tel|telephone|cell|office)\s*:\s*\n?\s*([+(\d][\d ()+.\-\/]{5,}\d)/gi)) {
    const start = m.index + m[0].length - m[1]!.length;
    add('phone label: values');
    if (gold(r, start, start + m[1]!.length)?.type === 'PHONE_NUMBER') add('phone label: value is a PHONE_NUMBER');
  }
  const found = phoneRecognizer.find(t);
  for (const g of r.spans.filter((s) => s.type === 'PHONE_NUMBER')) {
    add('phone: gold numbers');
      if (!found.some((f) => f.start === g.start && f.end === g.end)) add(`phone: missed by the recognizer: ${JSON.stringify(t.slice(g.start, g.end))}`);
  }
  // contexts with no rule: how often the training split has them at all
  for (const p of r.spans.filter((s) => s.type === 'PERSON')) {
    if (/^ of \p{Lu}/u.test(t.slice(p.end, p.end + 5))) add('context: "<PERSON> of <Cap>"');
    if (/\p{Lu}[\p{L}\p{M}\-]*['’]s $/u.test(t.slice(Math.max(0, p.start - 30), p.start))) add('context: "<Cap>\'s <PERSON>"');
  }
  if (/address of \p{Lu}/u.test(t)) add('context: "address of <Cap>"');
  // address-label.ts: the block under a line ending in "address:" (to the next blank line, full stop out)
  for (const m of t.matchAll(/(?:^|\n)[^\n]*address:[ \t]*\n/giu)) {
    let start = m.index + m[0].length;
    while (start < t.length && /\s/u.test(t[start]!)) start++;
    const blank = /\n[ \t]*\n/u.exec(t.slice(start));
    let end = blank ? start + blank.index : t.length;
    while (end > start && /[\s.]/u.test(t[end - 1]!)) end--;
    add('address label: blocks');
    if (gold(r, start, end)?.type === 'STREET_ADDRESS' && !r.spans.some((g) => g.start < end && g.end > start && !(g.start === start && g.end === end))) add('address label: block is one STREET_ADDRESS');
  }
}

console.log(`${which} split: ${presidio.length} Presidio rows, ${wnut.length} WNUT-17 rows`);
for (const [k, v] of [...tally].sort()) console.log(`${String(v).padStart(6)}  ${k}`);
