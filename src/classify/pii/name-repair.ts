// Boundary repair for PERSON (and organisation, place) spans. A per-token model often tags only part of a full name
// ("Liviana [Palerma]", "[Ryan P] Costa", "[Ella] H. Snider"): unseen first names and middle
// initials get weaker scores than the token next to them. A name is a short run of capitalised
// words and initials on one line, so a PERSON span is grown over such neighbours up to
// MAX_WORDS name words. A capitalised word that starts a sentence is only taken when the span
// would otherwise be a single word (sentence-initial capitals are usually not names).
import type { PiiEntity } from '../types.ts';
import type { Token } from '../featurizers/token-features.ts';

// Longest run of name words a span is grown to, per type (dev split, with snapHyphens: PERSON
// 0.61 -> 0.72 F1, ORGANIZATION 0.31 -> 0.51, GPE 0.55 -> 0.58; WNUT organisations 0.28 -> 0.26).
const MAX_WORDS: Readonly<Record<string, number>> = { PERSON: 3, ORGANIZATION: 4, GPE: 3 };
const LETTER = /[\p{L}\p{M}]/u;

/** A span never starts or ends inside a hyphenated word ("Valentine-[Murray]" -> "[Valentine-Murray]"). */
export function snapHyphens(text: string, e: PiiEntity): PiiEntity {
  let { start, end } = e;
  const atHyphen = (i: number) => text[i] === '-' && LETTER.test(text[i - 1] ?? '') && LETTER.test(text[i + 1] ?? '');
  if (atHyphen(start) || atHyphen(start - 1)) {
    if (text[start] !== '-') start--;
    while (start > 0 && (LETTER.test(text[start - 1]!) || atHyphen(start - 1))) start--;
  }
  if (atHyphen(end) || atHyphen(end - 1)) {
    while (end < text.length && (LETTER.test(text[end]!) || atHyphen(end))) end++;
  }
  return start === e.start && end === e.end ? e : { ...e, start, end };
}
const CAP_WORD = /^\p{Lu}[\p{Ll}\p{M}'’\-]{1,30}$/u;
const INITIAL = /^\p{Lu}$/u;

// Capitalised function words that start sentences and headings, never part of a name.
const NOT_NAMES = new Set(['The', 'A', 'An', 'This', 'That', 'These', 'Those', 'In', 'On', 'At', 'Of', 'For', 'From', 'To', 'With', 'By', 'But', 'Or', 'If', 'When', 'While', 'During', 'After', 'Before', 'Since', 'Dear', 'Hi', 'Hello', 'Thanks', 'Please', 'My', 'Our', 'Your', 'His', 'Her', 'Their', 'We', 'I', 'You', 'He', 'She', 'They', 'It', 'What', 'Which', 'Who', 'How', 'Why', 'Where', 'Is', 'Are', 'Can', 'Should', 'Would', 'Will', 'Do', 'Does', 'Did', 'Let', 'Suppose', 'Assume', 'Given', 'Find', 'Calculate']);

function isNameWord(t: Token | undefined): boolean {
  return !!t && CAP_WORD.test(t.text) && !NOT_NAMES.has(t.text);
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
    const maxWords = MAX_WORDS[e.type] ?? 0;
    if (!maxWords || !r) return snapHyphens(text, e);
    let [a, b] = r;
    const words = () => { let c = 0; for (let k = a; k <= b; k++) if (isNameWord(tokens[k])) c++; return c; };
    const gapOk = (x: Token, y: Token) => /^ {1,2}$/.test(text.slice(x.end, y.start));
    // right: capitalised words, initials with an optional dot
    for (;;) {
      const nx = tokens[b + 1];
      if (!nx || taken.has(b + 1) || words() >= maxWords) break;
      if (isNameWord(nx) && gapOk(tokens[b]!, nx)) b++;
      else if (INITIAL.test(nx.text) && gapOk(tokens[b]!, nx) && (isNameWord(tokens[b + 2]) || (tokens[b + 2]?.text === '.' && isNameWord(tokens[b + 3])))) {
        b++;
        if (tokens[b + 1]?.text === '.' && tokens[b + 1]!.start === tokens[b]!.end) b++;
      } else break;
    }
    // left: an initial ("D. Yefremova") or a capitalised word that is not sentence-initial (unless alone)
    for (;;) {
      const pv = tokens[a - 1];
      if (!pv || taken.has(a - 1) || words() >= maxWords) break;
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
    if (a === r[0] && b === r[1]) return snapHyphens(text, e);
    for (let k = a; k <= b; k++) taken.add(k);
    return snapHyphens(text, { ...e, start: tokens[a]!.start, end: tokens[b]!.end });
  });
}
