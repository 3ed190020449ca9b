// The embedding is a bag of words: "convert my traditional IRA to a Roth IRA" and "convert my Roth
// IRA to a traditional IRA" embed identically (similarity 1.0), and so do "x^3 from 0 to 2" and "x^2
// from 0 to 3", yet each needs the other answer. A stored answer therefore keeps the order of its
// question's words (as hashes, not text), and a lookup refuses a twin whose words are nearly all the
// same but stand in another order. A true rewording shares fewer words and is not affected; a pure
// reordering of the same words ("in simple terms, explain X") becomes a miss, the cheap side to err on.
// Numbers get the same care: the embedding weighs one changed number lightly ("17 times 24" scored 0.95
// against "17 times 23"), so the words holding a digit, and number words read as digits ("three" is
// "3", number-words.ts), must be the same on both sides. And names: one
// changed proper noun weighs little too ("Translate good morning into Spanish." 0.88 against "...
// into French."), so a capitalised word of either question (not opening a sentence) must be a word
// of the other, in any case: "paris" matches "Paris", "Rome" does not. Languages, places and programming
// languages are names in lower case too ("translate to german" / "to french", known-names.ts).

import { marksDiffer, questionMarks } from './question-marks.ts';
import { polesOppose, questionPoles } from './opposites.ts';
import { KNOWN_NAMES } from './known-names.ts';
import { numberWordDigits, timesOf } from './number-words.ts';
import { questionStems, wordSwapped } from './word-swaps.ts';

/** Words kept per question: enough to see a swap, small per entry (and in a shared backend). */
const MAX_WORDS = 48;
/** Share of the longer question's words the two must have in common before their order is compared. */
const NEAR_SAME = 0.8;

const WORD = /[\p{L}\p{N}]+/gu;
const DIGIT = /\p{Nd}/u;
/** A count: digits only ("3", "twenty" read as "20"), not "3rd" or "2x". */
const WHOLE = /^\d+$/;
/** Digit-bearing words kept per question (a question with more is compared on its first ones). */
const MAX_NUMBERS = 32;
/** Capitalised words kept per question (each must be a word of the other question). */
const MAX_NAMES = 16;
const UPPER = /\p{Lu}/u;
/**
 * One capital letter is a name too ("vitamin D" scored 0.995 against "vitamin C", "an R script" / "a Python
 * script"), but not the pronoun "I" nor the article "A" (in a title-cased question).
 */
const NOT_NAMES = new Set(['I', 'A']);
/** What ends a sentence: the word after it is capitalised as a matter of course, not as a name. */
const SENTENCE_END = /[.!?\n]/;

/** FNV-1a 32 of a word. */
function wordHash(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** What a stored answer keeps of its question, and a lookup compares: word order and numbers. */
export interface QuestionSignature {
  /** Hashes of the lower-cased words, in order, at most MAX_WORDS. */
  order: number[];
  /** Hashes of the words holding a digit ("23", "v2", "sunflower1"), sorted: a multiset. */
  numbers: number[];
  /** Hashes of the lower-cased words with a capital ("Paris", "TCP", "iPhone") not opening a sentence. */
  names: number[];
  /** Codes of its signs (+ - * / < > = %...) and negations, sorted (question-marks.ts). */
  marks: number[];
  /** Hashes of the ends of opposite pairs it names ("increase", "before", "on"...), sorted (opposites.ts). */
  poles: number[];
  /** Hashes of its words' stems, in order (word-swaps.ts): a lookup refuses one word swapped for another. */
  stems: number[];
}

/** Both signatures in one pass over the text. */
export function questionSignature(text: string): QuestionSignature {
  const order: number[] = [];
  const numbers: number[] = [];
  const names: number[] = [];
  const lower: string[] = [];
  let end = -1; // where the previous word ended (-1: none yet, the next word opens the text)
  let count: string | undefined; // the previous word, when it was a whole number kept in `numbers`
  let multiple: [number, string] | undefined; // "N times" just read: where N stands in `numbers`, and N
  for (const m of text.matchAll(WORD)) {
    const word = m[0];
    const lw = word.toLowerCase();
    lower.push(lw);
    // "2 times a day" / "two times as big" is a multiple, as "twice" and "2x" are (number-words.ts);
    // "17 times 23", a number after "times", is a product and keeps its numbers.
    if (multiple !== undefined && !DIGIT.test(word) && numberWordDigits(lw) === undefined) numbers[multiple[0]] = wordHash(timesOf(multiple[1]));
    multiple = count !== undefined && lw === 'times' ? [numbers.length - 1, count] : undefined;
    // A number word is read as its digits: "three" is "3" (number-words.ts).
    const spelled = numberWordDigits(lw);
    const digit = numbers.length < MAX_NUMBERS && (spelled !== undefined || DIGIT.test(word));
    if (order.length < MAX_WORDS || digit) {
      const opens = end < 0 || SENTENCE_END.test(text.slice(end, m.index));
      const h = wordHash(spelled ?? lw);
      if (order.length < MAX_WORDS) {
        order.push(h);
        // Within the words kept: the other side checks a name against its own kept words.
        // A capital not opening a sentence marks a name; so does a known name in any case (known-names.ts).
        if (!digit && (word.length > 1 || !NOT_NAMES.has(word)) && names.length < MAX_NAMES && ((!opens && UPPER.test(word)) || KNOWN_NAMES.has(lw))) names.push(h);
      }
      if (digit) numbers.push(h);
      count = digit && WHOLE.test(spelled ?? lw) ? (spelled ?? lw) : undefined;
    } else break;
    end = m.index + word.length;
  }
  if (multiple !== undefined) numbers[multiple[0]] = wordHash(timesOf(multiple[1]));
  return {
    order, numbers: numbers.sort((a, b) => a - b), names, marks: questionMarks(text, lower), poles: questionPoles(lower),
    // Number words as their digits, as the numbers check reads them: "three weeks" / "3 weeks" is no swap.
    stems: questionStems(lower.map((w) => numberWordDigits(w) ?? w)),
  };
}

export const wordOrder = (text: string): number[] => questionSignature(text).order;
export const numberWords = (text: string): number[] => questionSignature(text).numbers;

/** Whether a stored answer's question is another question than `q` despite a close embedding. */
export function conflicts(
  stored: { order?: number[]; numbers?: number[]; names?: number[]; marks?: number[]; poles?: number[]; stems?: number[] }, q: QuestionSignature,
): boolean {
  return reordered(stored.order, q.order) || numbersDiffer(stored.numbers, q.numbers) || marksDiffer(stored.marks, q.marks) ||
    polesOppose(stored.poles, q.poles) || wordSwapped(stored.stems, q.stems) ||
    nameMissing(stored.names, q.order) || nameMissing(q.names, stored.names && stored.order);
}

/**
 * True when a name of one question is not among the other's words. Missing signatures (entries
 * stored before names were kept) never refuse, nor does a word list cut at MAX_WORDS (the name may
 * stand further on).
 */
export function nameMissing(names: readonly number[] | undefined, words: readonly number[] | undefined): boolean {
  if (!names?.length || !words || words.length >= MAX_WORDS) return false;
  const have = new Set(words);
  return names.some((n) => !have.has(n));
}

/** True when the two questions' digit-bearing words differ. Missing signatures never refuse. */
export function numbersDiffer(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (!a || !b) return false;
  return a.length !== b.length || a.some((x, i) => x !== b[i]);
}

/**
 * Words whose place carries no meaning of its own: "in what state were you born" is "what state were
 * you born in", "who is your boss" is "who your boss is". The order check reads the other words only,
 * so moving these is not a reordering (on CLINC small-talk training pairs of one intent it refused 93
 * of 8,333 close pairs, most for such a move). Direction words (to, from, into, than, by, before,
 * after) are not among them: "to X from Y" is another question than "to Y from X". Kept as hashes and
 * applied at comparison, so entries stored before are read the same way.
 */
const FUNCTION_WORDS = new Set(`a an the my your his her its our their this that these those i you he she it we they me him us
them is are was were be been being am do does did have has had will would shall should can could may might must what which
who whom whose where when why how there here and but so if then of in on at for with about as please just also really
very tell say know let s t ll re ve d m`.split(/\s+/).map(wordHash));

/**
 * True when `a` and `b` share nearly all their words but the shared words other than function words
 * stand in another order. Missing signatures (entries written before this check) never refuse.
 */
export function reordered(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (!a || !b || !a.length || !b.length) return false;
  const left = new Map<number, number>();
  for (const w of b) left.set(w, (left.get(w) ?? 0) + 1);
  // a's words that b also has (each occurrence of b used once), in a's order
  const sharedA: number[] = [];
  for (const w of a) {
    const n = left.get(w);
    if (n) {
      sharedA.push(w);
      left.set(w, n - 1);
    }
  }
  if (sharedA.length < NEAR_SAME * Math.max(a.length, b.length)) return false;
  // The shared words that carry meaning, in a's order; then b's, in b's order (the same multiset).
  const meantA = sharedA.filter((w) => !FUNCTION_WORDS.has(w));
  const inA = new Map<number, number>();
  for (const w of meantA) inA.set(w, (inA.get(w) ?? 0) + 1);
  let i = 0;
  for (const w of b) {
    const n = inA.get(w);
    if (!n) continue;
    inA.set(w, n - 1);
    if (meantA[i++] !== w) return true;
  }
  return false;
}
