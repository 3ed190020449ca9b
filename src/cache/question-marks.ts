// The signs and negations of a question, which the embedding all but ignores: "Compute 12/4" scored
// 0.98 against "Compute 12*4", "Solve 2x + 3 = 7" 0.99 against "2x - 3 = 7", "Is 5 > 3?" 0.87
// against "Is 5 < 3?", and "Should I buy Tesla stock?" 0.98 against "Should I not buy Tesla stock?",
// each served the other's answer. A stored answer keeps them (codes, not text) and a lookup refuses
// an entry whose question has other ones, as word-order.ts does for numbers. A rewording that adds
// or drops a sign or a "not" becomes a miss, the cheap side to err on; so does "unsafe" / "dangerous".

/** Signs that change what is asked: arithmetic, comparison, percent. */
const SIGNS = /[+\-*/×÷^=<>≤≥≠%]/gu;
const LETTER = /\p{L}/u;
/** Negations, as words (n't splits into "don" and "t": the "t" is the negation). */
const NEGATIONS = new Set([
  'not', 'no', 'never', 'none', 'nor', 'neither', 'without', 'cannot', 't', 'dont', 'doesnt', 'didnt', 'isnt',
  'arent', 'wasnt', 'werent', 'cant', 'couldnt', 'wont', 'wouldnt', 'shouldnt', 'hasnt', 'havent', 'hadnt', 'aint',
]);
/**
 * Words that deny by their prefix: "Is it unsafe to ..." scored 0.89 against "Is it safe to ...", "non-toxic"
 * (the words "non", "toxic") against "toxic". Not the un- words that deny nothing (uni-, under-, until, unless,
 * unto); an un- word without its plain twin ("uncle") only refuses a question without it, which differs anyway.
 */
const NEGATED = /^(?:un(?!i|der|til|less|to$)\p{L}{3,}|non)$/u;
/** The code of a negation (all alike: "not" and "never" both deny). */
const NEGATION = 0;
/** Marks kept per question (a question with more is compared on its first ones). */
const MAX_MARKS = 32;

/** Sorted codes of the question's signs (their code points) and negations (NEGATION): a multiset. */
export function questionMarks(text: string, words: Iterable<string>): number[] {
  const marks: number[] = [];
  for (const m of text.matchAll(SIGNS)) {
    if (marks.length >= MAX_MARKS) break;
    const i = m.index, prev = text[i - 1] ?? '', next = text[i + 1] ?? '';
    // A hyphen or slash inside a word ("well-known", "and/or") is spelling, not a sign; so is a list dash.
    if ((m[0] === '-' || m[0] === '/') && LETTER.test(prev) && LETTER.test(next)) continue;
    if (m[0] === '-' && (prev === '' || prev === '\n') && next === ' ') continue;
    marks.push(m[0].codePointAt(0)!);
  }
  for (const w of words) if (marks.length < MAX_MARKS && (NEGATIONS.has(w) || NEGATED.test(w))) marks.push(NEGATION);
  return marks.sort((a, b) => a - b);
}

/** True when the two questions' marks differ. Missing marks (entries stored before) never refuse. */
export function marksDiffer(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (!a || !b) return false;
  return a.length !== b.length || a.some((x, i) => x !== b[i]);
}
