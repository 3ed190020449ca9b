// Training-side data work for the PII model (never touches dev rows):
// - normaliseRow: generated_large labels "Mr. Smith" as one PERSON; synth_v2 (the convention of the
//   dev and public test rows) labels "Mr." as TITLE and "Smith" as PERSON. Split the honorific off.
// - augmentRows: the Presidio rows are ~160 templates filled with Faker values, so each value
//   occurs about once and a model learns the templates' context words instead of what names,
//   streets and cities look like. Copies of every row with each span's value swapped for another
//   training value of the same kind (and some case variants) make value features carry weight.
import { rng } from '../rng.ts';
import type { PiiRow, Span } from './data.ts';

const HONORIFIC = /^(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?(?= )/;

export function normaliseRow(row: PiiRow): PiiRow {
  if (row.origin !== 'presidio_generated_large') return row;
  const spans: Span[] = [];
  for (const s of row.spans) {
    const m = s.type === 'PERSON' ? HONORIFIC.exec(row.text.slice(s.start, s.end)) : null;
    if (!m) {
      spans.push(s);
      continue;
    }
    spans.push({ start: s.start, end: s.start + m[0].length, type: 'TITLE' });
    spans.push({ start: s.start + m[0].length + 1, end: s.end, type: 'PERSON' });
  }
  return { ...row, spans };
}

/** Pools keep address pieces apart: a house number, one street line and a multi-line block are not interchangeable. */
function poolKey(type: string, value: string): string {
  if (type === 'TITLE') return HONORIFIC.test(value + ' ') ? 'TITLE:hon' : 'TITLE:job';
  if (type === 'STREET_ADDRESS') return /^\d+$/.test(value) ? 'SA:num' : /\n/.test(value) ? 'SA:block' : 'SA:line';
  if (type === 'DATE_TIME') return /^\d{4}$/.test(value) ? 'DT:year' : 'DT:other';
  return type;
}

/** Closed formats are found by recognizers; swapping them teaches the model nothing useful. */
const SWAP = new Set(['PERSON', 'ORGANIZATION', 'GPE', 'STREET_ADDRESS', 'NRP', 'TITLE', 'AGE', 'DATE_TIME', 'ZIP_CODE']);

export interface AugmentOpts {
  copies: number;
  seed: number;
  /** share of spans swapped in a copy */
  swap: number;
  /** share of copies lowercased entirely (chat users often type lowercase) */
  lower: number;
  /** share of swapped names / places written in capitals */
  upper: number;
}

export function augmentRows(rows: PiiRow[], o: AugmentOpts): PiiRow[] {
  const r = rng(o.seed ^ 0x2545f491);
  const pools = new Map<string, string[]>();
  for (const row of rows) {
    if (row.source !== 'presidio') continue;
    for (const s of row.spans) {
      if (!SWAP.has(s.type)) continue;
      const v = row.text.slice(s.start, s.end);
      const k = poolKey(s.type, v);
      let p = pools.get(k);
      if (!p) pools.set(k, (p = []));
      p.push(v);
    }
  }
  const out: PiiRow[] = [];
  for (let c = 0; c < o.copies; c++) {
    for (const row of rows) {
      if (row.source !== 'presidio') continue;
      let text = '';
      let pos = 0;
      const spans: Span[] = [];
      for (const s of row.spans) {
        text += row.text.slice(pos, s.start);
        let v = row.text.slice(s.start, s.end);
        const pool = SWAP.has(s.type) ? pools.get(poolKey(s.type, v)) : undefined;
        if (pool && r() < o.swap) v = pool[Math.floor(r() * pool.length)]!;
        if ((s.type === 'GPE' || s.type === 'PERSON' || s.type === 'STREET_ADDRESS') && r() < o.upper && v.toUpperCase().length === v.length) v = v.toUpperCase();
        spans.push({ start: text.length, end: text.length + v.length, type: s.type });
        text += v;
        pos = s.end;
      }
      text += row.text.slice(pos);
      // toLowerCase keeps UTF-16 length for the scripts in this data except a few (İ); skip those.
      if (r() < o.lower && text.toLowerCase().length === text.length) text = text.toLowerCase();
      out.push({ ...row, id: `${row.id}#aug${c}`, text, spans });
    }
  }
  return out;
}
