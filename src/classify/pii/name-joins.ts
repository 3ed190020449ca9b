// Two name spans of different types with only one space between them ("[Arpin]/PERSON
// [Van Lines]/ORGANIZATION", "[Gunnhildur]/ORGANIZATION [F. Helgadóttir]/PERSON") are one name
// that the per-token model typed piece by piece: in the Presidio training rows no PERSON /
// ORGANIZATION / GPE span is ever followed by a span of another of those types after a single
// space (0 of 2327; WNUT-17 training rows: 7 of 1844, e.g. "San Jose Mercury News"). The joined
// span takes the type of the longer piece (the one the model saw more of), the more confident
// one on a tie. Tweets run names together without punctuation ("Costco Irvine", "NY Congressman
// Michael Grimm", "Paramore Lady Gaga Nicki Minaj"): on the WNUT-17 training rows the join cost 8
// correct spans without a limit, so it only makes names of up to MAX_WORDS words and never takes
// in a one-word all-capitals piece ("CoreLogic US").
import type { PiiEntity } from '../types.ts';

const NAME_TYPES = new Set(['PERSON', 'ORGANIZATION', 'GPE']);
const MAX_WORDS = 3;
const ACRONYM = /^[\p{Lu}\p{N}.&]+$/u;

function words(text: string, e: PiiEntity): number {
  return text.slice(e.start, e.end).split(' ').filter((w) => w !== '').length;
}

/** `ents` sorted by start; spans under `threshold` are left alone (they are dropped later). */
export function joinNameNeighbours(text: string, ents: PiiEntity[], threshold: number): PiiEntity[] {
  let out: PiiEntity[] | null = null;
  for (let i = 0; i < ents.length; i++) {
    const e = ents[i]!;
    const prev = out ? out[out.length - 1] : i > 0 ? ents[i - 1] : undefined;
    const joinable =
      prev !== undefined && NAME_TYPES.has(e.type) && NAME_TYPES.has(prev.type) && prev.type !== e.type &&
      e.confidence >= threshold && prev.confidence >= threshold && e.start === prev.end + 1 && text.charCodeAt(prev.end) === 32 &&
      words(text, prev) + words(text, e) <= MAX_WORDS && !ACRONYM.test(text.slice(prev.start, prev.end)) && !ACRONYM.test(text.slice(e.start, e.end));
    if (!joinable) {
      out?.push(e);
      continue;
    }
    out ??= ents.slice(0, i);
    const a = out.pop()!;
    const la = a.end - a.start, lb = e.end - e.start;
    const type = la > lb || (la === lb && a.confidence >= e.confidence) ? a.type : e.type;
    out.push({ ...a, type, end: e.end, confidence: (a.confidence * la + e.confidence * lb) / (la + lb) });
  }
  return out ?? ents;
}
