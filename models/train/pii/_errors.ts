// Error dump of the shipped pack for chosen types: missed gold spans and false spans, with context.
// npx tsx models/train/pii/_errors.ts [dev|train] TYPE,TYPE [presidio|wnut17]
import { loadPiiRows, splitPii } from './data.ts';
import { loadPiiDetector } from './pack-eval.ts';

const [which = 'dev', typesArg = 'ORGANIZATION,PERSON', src = 'presidio'] = process.argv.slice(2);
const types = new Set(typesArg.split(','));
const sp = splitPii(loadPiiRows());
const rows = (which === 'dev' ? sp.dev : sp.train).filter((r) => r.source === src);
const det = await loadPiiDetector('pii');
const ctx = (t: string, s: number, e: number) => JSON.stringify(t.slice(Math.max(0, s - 40), s) + '[' + t.slice(s, e) + ']' + t.slice(e, e + 40));
for (const r of rows) {
  const pred = await det.detect(r.text);
  const gs = r.spans.filter((s) => types.has(s.type));
  const ps = pred.filter((s) => types.has(s.type));
  const key = (s: { type: string; start: number; end: number }) => `${s.type}|${s.start}|${s.end}`;
  const gk = new Set(r.spans.map(key)), pk = new Set(pred.map(key));
  for (const g of gs) if (!pk.has(key(g))) {
    const ov = pred.filter((p) => p.start < g.end && p.end > g.start).map((p) => `${p.type}:${JSON.stringify(r.text.slice(p.start, p.end))}`);
    console.log(`FN ${g.type} ${ctx(r.text, g.start, g.end)}  pred=${ov.join(' ; ') || '-'}`);
  }
  for (const p of ps) if (!gk.has(key(p))) {
    const ov = r.spans.filter((g) => g.start < p.end && g.end > p.start).map((g) => `${g.type}:${JSON.stringify(r.text.slice(g.start, g.end))}`);
    console.log(`FP ${p.type} ${ctx(r.text, p.start, p.end)}  gold=${ov.join(' ; ') || '-'}`);
  }
}
