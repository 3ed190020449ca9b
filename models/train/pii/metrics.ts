// Exact-span scoring: an entity counts only with the same type, start and end as a gold span.
import type { PiiEntity } from '../../../src/classify/types.ts';
import type { Span } from './data.ts';

export interface TypeScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface SpanReport {
  perType: Record<string, TypeScore>;
  micro: TypeScore;
  rows: number;
}

function score(tp: number, fp: number, fn: number): TypeScore {
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

/**
 * `onlyTypes` restricts both sides to those types (WNUT-17 annotates only people, groups and
 * places, so a date found in a tweet is not a false positive there).
 */
export function scoreSpans(items: Array<{ gold: Span[]; pred: PiiEntity[] }>, onlyTypes?: readonly string[]): SpanReport {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const c = (t: string) => {
    let v = counts.get(t);
    if (!v) counts.set(t, (v = { tp: 0, fp: 0, fn: 0 }));
    return v;
  };
  const keep = (t: string) => !onlyTypes || onlyTypes.includes(t);
  for (const { gold, pred } of items) {
    const g = new Set(gold.filter((s) => keep(s.type)).map((s) => `${s.type}|${s.start}|${s.end}`));
    const p = new Set(pred.filter((s) => keep(s.type)).map((s) => `${s.type}|${s.start}|${s.end}`));
    for (const k of p) (g.has(k) ? c(k.split('|')[0]!).tp++ : c(k.split('|')[0]!).fp++);
    for (const k of g) if (!p.has(k)) c(k.split('|')[0]!).fn++;
  }
  const perType: Record<string, TypeScore> = {};
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [t, v] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    perType[t] = score(v.tp, v.fp, v.fn);
    tp += v.tp;
    fp += v.fp;
    fn += v.fn;
  }
  return { perType, micro: score(tp, fp, fn), rows: items.length };
}

export function formatReport(title: string, r: SpanReport): string {
  const lines = [`${title}: micro P ${r.micro.precision.toFixed(3)} R ${r.micro.recall.toFixed(3)} F1 ${r.micro.f1.toFixed(3)} (${r.rows} rows, ${r.micro.tp + r.micro.fn} gold spans)`];
  for (const [t, s] of Object.entries(r.perType)) {
    lines.push(`  ${t.padEnd(18)} P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)}  (tp ${s.tp} fp ${s.fp} fn ${s.fn})`);
  }
  return lines.join('\n');
}
