// Boundary repair for PERSON spans. A per-token model often tags only part of a full name
// ("Liviana [Palerma]", "[Ryan P] Costa", "[Ella] H. Snider"): unseen first names and middle
// initials get weaker scores than the token next to them. A name is a short run of capitalised
// words and initials on one line, so a PERSON span is grown over such neighbours up to
// MAX_WORDS name words. A capitalised word that starts a sentence is only taken when the span
// would otherwise be a single word (sentence-initial capitals are usually not names).
import type { PiiEntity } from '../types.ts';
import type { Token } from '../featurizers/token-features.ts';

const MAX_WORDS = 3;
const CAP_WORD = /^\p{Lu}[\p{Ll}\p{M}'’\-]{1,30}$/u;
const INITIAL = /^\p{Lu}$/u;

function isNameWord(t: Token | undefined): boolean {
  return !!t && CAP_WORD.test(t.text);
}

/** Indices of the tokens covering [start, end), or null when the span is not on token boundaries. */
function tokenRange(tokens: Token[], start: number, end: number): [number, number] | null {
  let i = 0;
  while (i < tokens.length && tokens[i]!.start < start) i++;
  let j = i;
  while (j < tokens.length && tokens[j]!.end <= end) j++;
  if (i >= tokens.length || tokens[i]!.start !== start || j === i || tokens[j - 1]!.end !== end) return null;
  return [i, j - 1];
}

export function repairNames(text: string, tokens: Token[], ents: PiiEntity[]): PiiEntity[] {
  const taken = new Set<number>();
  const ranges = ents.map((e) => tokenRange(tokens, e.start, e.end));
  for (const r of ranges) if (r) for (let k = r[0]; k <= r[1]; k++) taken.add(k);
  return ents.map((e, n) => {
    const r = ranges[n];
    if (e.type !== 'PERSON' || !r) return e;
    let [a, b] = r;
    const words = () => { let c = 0; for (let k = a; k <= b; k++) if (isNameWord(tokens[k])) c++; return c; };
    const gapOk = (x: Token, y: Token) => /^ {1,2}$/.test(text.slice(x.end, y.start));
    // right: capitalised words, initials with an optional dot
    for (;;) {
      const nx = tokens[b + 1];
      if (!nx || taken.has(b + 1) || words() >= MAX_WORDS) break;
      if (isNameWord(nx) && gapOk(tokens[b]!, nx)) b++;
      else if (INITIAL.test(nx.text) && gapOk(tokens[b]!, nx) && (isNameWord(tokens[b + 2]) || (tokens[b + 2]?.text === '.' && isNameWord(tokens[b + 3])))) {
        b++;
        if (tokens[b + 1]?.text === '.' && tokens[b + 1]!.start === tokens[b]!.end) b++;
      } else break;
    }
    // left: an initial ("D. Yefremova") or a capitalised word that is not sentence-initial (unless alone)
    for (;;) {
      const pv = tokens[a - 1];
      if (!pv || taken.has(a - 1) || words() >= MAX_WORDS) break;
      if (pv.text === '.' && INITIAL.test(tokens[a - 2]?.text ?? '') && pv.end === tokens[a]!.start - 1 && !taken.has(a - 2)) {
        if (!isNameWord(tokens[a - 3]) || !gapOk(tokens[a - 3]!, tokens[a - 2]!)) break;
        a -= 3;
        continue;
      }
      if (INITIAL.test(pv.text) && gapOk(pv, tokens[a]!) && isNameWord(tokens[a - 2]) && gapOk(tokens[a - 2]!, pv)) {
        a -= 2;
        continue;
      }
      if (!isNameWord(pv) || !gapOk(pv, tokens[a]!)) break;
      const before = text.slice(Math.max(0, pv.start - 3), pv.start);
      const sentenceStart = pv.start === 0 || /(?:[.!?:]\s+|\n\s*|^\s*)$/.test(before);
      if (sentenceStart && words() >= 2) break;
      a--;
    }
    if (a === r[0] && b === r[1]) return e;
    for (let k = a; k <= b; k++) taken.add(k);
    return { ...e, start: tokens[a]!.start, end: tokens[b]!.end };
  });
}
