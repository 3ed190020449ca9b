// Token BIO predictions -> entity spans. Repairs ill-formed sequences instead of dropping them:
// an I-X that does not continue an X entity starts one (the usual "IOB repair").
import type { PiiEntity, TokenPrediction } from '../types.ts';
import { parseTag } from './type-names.ts';

export function mergeBio(tokens: readonly TokenPrediction[]): PiiEntity[] {
  const out: PiiEntity[] = [];
  let cur: { type: string; start: number; end: number; sum: number; n: number } | undefined;
  const close = () => {
    if (cur) out.push({ type: cur.type, start: cur.start, end: cur.end, confidence: cur.sum / cur.n, source: 'model' });
    cur = undefined;
  };
  for (const t of tokens) {
    const { prefix, type } = parseTag(t.label);
    if (prefix === 'O' || !type) {
      close();
      continue;
    }
    if (prefix === 'I' && cur && cur.type === type) {
      cur.end = Math.max(cur.end, t.end);
      cur.sum += t.confidence;
      cur.n++;
      continue;
    }
    close();
    cur = { type, start: t.start, end: t.end, sum: t.confidence, n: 1 };
  }
  close();
  return out;
}
