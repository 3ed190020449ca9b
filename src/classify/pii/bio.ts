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

// Runs once per request over every token (most of them 'O'), so the open entity lives in locals
// and an 'O' label skips the tag lookup: same spans as closing and reopening an object per token.
function mergeTags(tokens: readonly TokenPrediction[]): PiiEntity[] {
  const out: PiiEntity[] = [];
  let type: string | null = null;
  let start = 0;
  let end = 0;
  let sum = 0;
  let n = 0;
  for (const t of tokens) {
    const label = t.label;
    const tag = label === 'O' ? null : tagOf(label);
    if (tag === null || tag.prefix === 'O' || !tag.type) {
      if (type !== null) out.push({ type, start, end, confidence: sum / n, source: 'model' });
      type = null;
      continue;
    }
    if (tag.prefix === 'I' && type === tag.type) {
      end = Math.max(end, t.end);
      sum += t.confidence;
      n++;
      continue;
    }
    if (type !== null) out.push({ type, start, end, confidence: sum / n, source: 'model' });
    type = tag.type;
    start = t.start;
    end = t.end;
    sum = t.confidence;
    n = 1;
  }
  if (type !== null) out.push({ type, start, end, confidence: sum / n, source: 'model' });
  return out;
}
