// PII training rows from ../shared/data/pii, converted to UTF-16 offsets (the data uses Python
// code-point offsets) and vSR type names, plus the deterministic dev split:
// - presidio: by template, as the public test split was made. A row's template is its text with
//   every span replaced by its type, normalised (case, digits, punctuation, spacing); templates
//   hash into dev at a 20% share. Dev holds the synth_v2 rows of dev templates (the test split is
//   synth_v2 only); generated_large rows of a dev template are dropped, not trained on, so dev
//   sentences come from sentence patterns the model never saw.
// - wnut17: by row id, 20%.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toVsrType } from '../../../src/classify/pii/type-names.ts';
import { dataDir } from '../data.ts';

export interface Span {
  start: number;
  end: number;
  type: string;
}

export interface PiiRow {
  id: string;
  source: 'presidio' | 'wnut17';
  /** Source file's own tag, e.g. presidio_synth_v2, presidio_generated_large, wnut17_train. */
  origin: string;
  text: string;
  spans: Span[];
}

interface RawRow {
  id: string;
  text: string;
  source: string;
  spans: Array<{ start: number; end: number; label: string }>;
}

const DEV_SHARE = 0.2;

/** UTF-16 index of every code-point index (length cps+1). */
export function codePointToUtf16(text: string): Int32Array {
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return Int32Array.from(map);
}

function loadLabelMap(dir: string): Record<string, string | null> {
  const j = JSON.parse(readFileSync(join(dir, 'pii/label_map.json'), 'utf8')) as { span_label_to_pii_type: Record<string, string | null> };
  return j.span_label_to_pii_type;
}

export function loadPiiRows(): PiiRow[] {
  const dir = dataDir();
  const labelMap = loadLabelMap(dir);
  const out: PiiRow[] = [];
  for (const [file, source] of [['pii/presidio_train.jsonl', 'presidio'], ['pii/wnut17_train.jsonl', 'wnut17']] as const) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as RawRow;
      const map = codePointToUtf16(r.text);
      const spans: Span[] = [];
      for (const s of r.spans) {
        if (!(s.label in labelMap)) throw new Error(`${file} ${r.id}: label ${s.label} missing from label_map.json`);
        const common = labelMap[s.label];
        const type = common ? toVsrType(common) : null;
        if (type) spans.push({ start: map[s.start]!, end: map[s.end]!, type });
      }
      out.push({ id: r.id, source, origin: r.source, text: r.text, spans });
    }
  }
  return out;
}

export function templateKey(row: PiiRow): string {
  let t = '';
  let p = 0;
  for (const s of row.spans) {
    t += row.text.slice(p, s.start) + ` ${s.type} `;
    p = s.end;
  }
  t += row.text.slice(p);
  return t.toLowerCase().replace(/\d+/g, '0').replace(/[^\p{L}\p{N}_ ]+/gu, ' ').replace(/\s+/g, ' ').trim();
}

function unit(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

export function isDev(row: PiiRow): boolean {
  return unit(row.source === 'presidio' ? `presidio-template:${templateKey(row)}` : `wnut17:${row.id}`) < DEV_SHARE;
}

export function splitPii(rows: PiiRow[]): { train: PiiRow[]; dev: PiiRow[]; dropped: number } {
  const train: PiiRow[] = [];
  const dev: PiiRow[] = [];
  let dropped = 0;
  for (const r of rows) {
    if (!isDev(r)) train.push(r);
    else if (r.source === 'wnut17' || r.origin === 'presidio_synth_v2') dev.push(r);
    else dropped++;
  }
  return { train, dev, dropped };
}
