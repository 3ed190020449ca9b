// Boundary repair for PERSON (and organisation, place) spans. A per-token model often tags only part of a full name
// ("Liviana [Palerma]", "[Ryan P] Costa", "[Ella] H. Snider"): unseen first names and middle
// initials get weaker scores than the token next to them. A name is a short run of capitalised
// words and initials on one line, so a PERSON span is grown over such neighbours up to
// MAX_WORDS name words. A capitalised word that starts a sentence is only taken when the span
// would otherwise be a single word (sentence-initial capitals are usually not names).
import type { PiiEntity } from '../types.ts';
import { isTechName, techOnly } from './tech-names.ts';

/** A token's offsets in the text (the token model's predictions carry them). */
interface Span {
  start: number;
  end: number;
}

// Longest run of name words a span is grown to, per type (dev split, with snapHyphens: PERSON
// 0.61 -> 0.72 F1, ORGANIZATION 0.31 -> 0.51, GPE 0.55 -> 0.58; WNUT organisations 0.28 -> 0.26).
const MAX_WORDS: Readonly<Record<string, number>> = { PERSON: 3, ORGANIZATION: 4, GPE: 3 };
const LETTER = /[\p{L}\p{M}]/u;

/** A span never starts or ends inside a hyphenated word ("Valentine-[Murray]" -> "[Valentine-Murray]"). */
function atHyphen(text: string, i: number): boolean {
  return text[i] === '-' && LETTER.test(text[i - 1] ?? '') && LETTER.test(text[i + 1] ?? '');
}

export function snapHyphens(text: string, e: PiiEntity): PiiEntity {
  let { start, end } = e;
  if (atHyphen(text, start) || atHyphen(text, start - 1)) {
    if (text[start] !== '-') start--;
    while (start > 0 && (LETTER.test(text[start - 1]!) || atHyphen(text, start - 1))) start--;
  }
  if (atHyphen(text, end) || atHyphen(text, end - 1)) {
    while (end < text.length && (LETTER.test(text[end]!) || atHyphen(text, end))) end++;
  }
  return start === e.start && end === e.end ? e : { ...e, start, end };
}
const CAP_WORD = /^\p{Lu}[\p{Ll}\p{M}'’\-]{1,30}$/u;
const INITIAL = /^\p{Lu}$/u;

// Capitalised function words that start sentences and headings, never part of a name.
const NOT_NAMES = new Set(['The', 'A', 'An', 'This', 'That', 'These', 'Those', 'In', 'On', 'At', 'Of', 'For', 'From', 'To', 'With', 'By', 'But', 'Or', 'If', 'When', 'While', 'During', 'After', 'Before', 'Since', 'Dear', 'Hi', 'Hello', 'Thanks', 'Please', 'My', 'Our', 'Your', 'His', 'Her', 'Their', 'We', 'I', 'You', 'He', 'She', 'They', 'It', 'What', 'Which', 'Who', 'How', 'Why', 'Where', 'Is', 'Are', 'Can', 'Should', 'Would', 'Will', 'Do', 'Does', 'Did', 'Let', 'Suppose', 'Assume', 'Given', 'Find', 'Calculate']);

/**
 * Token texts, cut out when read: the repair looks only at the few tokens around name spans, while
 * slicing every token of a request up front took a fifth of the detector's time after the model.
 */
class TokenTexts {
  constructor(private readonly text: string, private readonly tokens: readonly Span[]) {}

  /** Text of token k; undefined outside the token list. */
  at(k: number): string | undefined {
    const t = this.tokens[k];
    return t === undefined ? undefined : this.text.slice(t.start, t.end);
  }

  isNameWord(k: number): boolean {
    const w = this.at(k);
    return w !== undefined && CAP_WORD.test(w) && !NOT_NAMES.has(w) && !isTechName(w);
  }
}

/** Indices of the tokens covering [start, end), or null when the span is not on token boundaries. */
function tokenRange(tokens: readonly Span[], start: number, end: number): [number, number] | null {
  let i = 0;
  while (i < tokens.length && tokens[i]!.start < start) i++;
  let j = i;
  while (j < tokens.length && tokens[j]!.end <= end) j++;
  if (i >= tokens.length || tokens[i]!.start !== start || j === i || tokens[j - 1]!.end !== end) return null;
  return [i, j - 1];
}

function nameWords(w: TokenTexts, a: number, b: number): number {
  let c = 0;
  for (let k = a; k <= b; k++) if (w.isNameWord(k)) c++;
  return c;
}

/** One or two spaces between two tokens. */
function gapOk(text: string, x: Span, y: Span): boolean {
  const g = y.start - x.end;
  return (g === 1 || g === 2) && text.charCodeAt(x.end) === 32 && (g === 1 || text.charCodeAt(x.end + 1) === 32);
}

const SENTENCE_END = /(?:[.!?:]\s+|\n\s*|^\s*)$/;

/**
 * `threshold`: spans scored under it will be dropped anyway, so they do not stop a name from
 * growing over their tokens ("Edi" as a weak GPE next to PERSON "Živković"), and a span that a
 * grown name reaches into is dropped here.
 */
export function repairNames(text: string, tokens: readonly Span[], found: PiiEntity[], threshold = 0): PiiEntity[] {
  // "Python" read as a place or a person is none (tech-names.ts); nor is it grown over (isNameWord).
  const ents = found.filter((e) => !techOnly(text, e));
  const taken = new Set<number>();
  const ranges = ents.map((e) => tokenRange(tokens, e.start, e.end));
  ranges.forEach((r, n) => {
    if (r && ents[n]!.confidence >= threshold) for (let k = r[0]; k <= r[1]; k++) taken.add(k);
  });
  let w: TokenTexts | undefined;
  let grown = false;
  const out = ents.map((e, n) => {
    const r = ranges[n];
    const maxWords = MAX_WORDS[e.type] ?? 0;
    // a weak span is not grown: it would only claim words a kept name could grow over
    if (!maxWords || !r || e.confidence < threshold) return snapHyphens(text, e);
    w ??= new TokenTexts(text, tokens);
    let [a, b] = r;
    // Name words in [a, b]: each step below adds exactly one (an initial or its dot is none).
    let words = nameWords(w, a, b);
    // right: capitalised words, initials with an optional dot
    for (;;) {
      const nx = b + 1;
      if (nx >= tokens.length || taken.has(nx) || words >= maxWords) break;
      if (w.isNameWord(nx) && gapOk(text, tokens[b]!, tokens[nx]!)) {
        b++;
        words++;
      } else if (w.at(nx) === '.' && INITIAL.test(w.at(b)!) && tokens[nx]!.start === tokens[b]!.end && w.isNameWord(nx + 1) && !taken.has(nx + 1) && gapOk(text, tokens[nx]!, tokens[nx + 1]!)) {
        // "[Margaret S]. Stouffer": the initial's dot and the surname after it
        b += 2;
        words++;
      } else if (INITIAL.test(w.at(nx)!) && gapOk(text, tokens[b]!, tokens[nx]!) && (w.isNameWord(b + 2) || (w.at(b + 2) === '.' && w.isNameWord(b + 3)))) {
        b++;
        if (w.at(b + 1) === '.' && tokens[b + 1]!.start === tokens[b]!.end) b++;
      } else break;
    }
    // left: an initial ("D. Yefremova") or a capitalised word that is not sentence-initial (unless alone)
    for (;;) {
      const p = a - 1;
      if (p < 0 || taken.has(p) || words >= maxWords) break;
      const pv = tokens[p]!;
      if (w.at(p) === '.' && INITIAL.test(w.at(a - 2) ?? '') && pv.end === tokens[a]!.start - 1 && !taken.has(a - 2)) {
        if (!w.isNameWord(a - 3) || !gapOk(text, tokens[a - 3]!, tokens[a - 2]!)) break;
        a -= 3;
        words++;
        continue;
      }
      if (INITIAL.test(w.at(p)!) && gapOk(text, pv, tokens[a]!) && w.isNameWord(a - 2) && gapOk(text, tokens[a - 2]!, pv)) {
        a -= 2;
        words++;
        continue;
      }
      if (!w.isNameWord(p) || !gapOk(text, pv, tokens[a]!)) break;
      const before = text.slice(Math.max(0, pv.start - 3), pv.start);
      const sentenceStart = pv.start === 0 || SENTENCE_END.test(before);
      if (sentenceStart && words >= 2) break;
      a--;
      words++;
    }
    if (a === r[0] && b === r[1]) return snapHyphens(text, e);
    for (let k = a; k <= b; k++) taken.add(k);
    grown = true;
    return snapHyphens(text, { ...e, start: tokens[a]!.start, end: tokens[b]!.end });
  });
  if (!grown) return out;
  const strong = out.filter((e) => e.confidence >= threshold);
  return out.filter((e) => e.confidence >= threshold || !strong.some((s) => s.start < e.end && s.end > e.start));
}
