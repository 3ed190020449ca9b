// Token BIO predictions -> entity spans. Repairs ill-formed sequences instead of dropping them:
// an I-X that does not continue an X entity starts one (the usual "IOB repair"), and two X
// entities separated only by a small gap (a space, an initial's dot; for addresses also a comma or
// line break) are one entity that a per-token model split ("Lewis | Forbes", "Apt. 5 | Paris").
import type { PiiEntity, TokenPrediction } from '../types.ts';
import { parseTag } from './type-names.ts';

const JOINABLE_GAP = /^[ \t]{1,2}$/;
const ADDRESS_GAP = /^(?:[ \t]{0,2}[,\n][ \t]{0,2}|[ \t]{1,2})$/;

/** Gap pattern per type across which two same-type entities are joined (null: never join that type). */
export type JoinGaps = Readonly<Record<string, RegExp | null>>;

function joinSplit(text: string, ents: PiiEntity[], gaps: JoinGaps): PiiEntity[] {
  const out: PiiEntity[] = [];
  let n = 0;
  for (const e of ents) {
    const prev = out[out.length - 1];
    if (prev && prev.type === e.type) {
      const gap = text.slice(prev.end, e.start);
      const re = e.type in gaps ? gaps[e.type] : e.type === 'STREET_ADDRESS' ? ADDRESS_GAP : JOINABLE_GAP;
      if (re && re.test(gap)) {
        prev.confidence = (prev.confidence * n + e.confidence) / (n + 1);
        prev.end = e.end;
        n++;
        continue;
      }
    }
    out.push({ ...e });
    n = 1;
  }
  return out;
}

export function mergeBio(tokens: readonly TokenPrediction[], text?: string, gaps: JoinGaps = {}): PiiEntity[] {
  const ents = mergeTags(tokens);
  return text === undefined ? ents : joinSplit(text, ents, gaps);
}

// Every token's label is parsed; a pack has a few dozen labels, so each parse is kept.
const TAGS = new Map<string, ReturnType<typeof parseTag>>();
function tagOf(label: string): ReturnType<typeof parseTag> {
  let t = TAGS.get(label);
  if (!t) {
    t = parseTag(label);
    if (TAGS.size < 4096) TAGS.set(label, t);
  }
  return t;
}

function mergeTags(tokens: readonly TokenPrediction[]): PiiEntity[] {
  const out: PiiEntity[] = [];
  let cur: { type: string; start: number; end: number; sum: number; n: number } | undefined;
  const close = () => {
    if (cur) out.push({ type: cur.type, start: cur.start, end: cur.end, confidence: cur.sum / cur.n, source: 'model' });
    cur = undefined;
  };
  for (const t of tokens) {
    const { prefix, type } = tagOf(t.label);
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
