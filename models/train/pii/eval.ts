// `npm run eval -- pii <file.jsonl|dev> [--json]`: exact-span precision / recall / F1 per type and
// micro-F1 of a PII pack, through the full detector. Rows are in ../shared/data/pii format
// (code-point offsets, source labels mapped by label_map.json); "dev" means this project's dev split.
// Rows whose source mentions wnut are scored separately on PERSON / ORGANIZATION / GPE.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toVsrType } from '../../../src/classify/pii/type-names.ts';
import { dataDir } from '../data.ts';
import { codePointToUtf16, loadPiiRows, splitPii, type PiiRow } from './data.ts';
import { formatReport } from './metrics.ts';
import { loadPiiDetector, scoreRows, type PiiEvalReport } from './pack-eval.ts';

function readRows(file: string): PiiRow[] {
  if (file === 'dev') return splitPii(loadPiiRows()).dev;
  const labelMap = (JSON.parse(readFileSync(join(dataDir(), 'pii/label_map.json'), 'utf8')) as { span_label_to_pii_type: Record<string, string | null> }).span_label_to_pii_type;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = JSON.parse(l) as { text: string; spans?: Array<{ start: number; end: number; label: string }>; source?: string; id?: string };
      const map = codePointToUtf16(r.text);
      const spans = (r.spans ?? []).flatMap((s) => {
        const common = s.label in labelMap ? labelMap[s.label] : s.label;
        const type = common ? toVsrType(common) : null;
        return type ? [{ start: map[s.start]!, end: map[s.end]!, type }] : [];
      });
      const source = /wnut/i.test(r.source ?? '') ? 'wnut17' : 'presidio';
      return { id: r.id ?? String(i), source, origin: r.source ?? '', text: r.text, spans } as PiiRow;
    });
}

export async function evaluatePiiPack(packDir: string, file: string, opts: { json: boolean }): Promise<PiiEvalReport> {
  const det = await loadPiiDetector(packDir);
  const report = await scoreRows(det, readRows(file));
  // With --json the caller (models/train/eval.ts) prints the returned report.
  if (!opts.json) {
    process.stdout.write(`${formatReport('presidio-style rows (all types)', report.presidio)}\n`);
    process.stdout.write(`${formatReport('social-media rows (PERSON/ORGANIZATION/GPE)', report.informal)}\n`);
  }
  return report;
}
