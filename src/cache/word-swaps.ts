// One word swapped for another, which the embedding weighs lightly: "how do I grow tomatoes" scored
// 0.9 and more against "how do I grow cucumbers", "what should I tell my wife" against "... my
// husband", "what did he say" against "what did she say", and each was served the other's answer. A
// stored answer keeps the stems of its question's words in order (hashes, not text). A lookup lines
// the two word lists up (longest common subsequence) and refuses the entry when every stretch where
// they differ is function words only (FUNCTION: "how can I" / "how do I"), or one word for one word,
// and one or two such stretches (MAX_SWAPS) are
// - a content word for another that stands where a noun stands (not after a subject or an
//   auxiliary, not before an object pronoun or a word both questions have next: "I wish" / "I would
//   like", "a funny joke" / "a good joke" are rewordings far more often; right after "what is" /
//   "which is" it is what is asked, whatever follows: "which is faster, Python or Java" / "which is
//   easier, ..."), is not an inflection of it ("tomato" / "tomatoes": one stem) and not a listed
//   synonym (SYNONYMS); or
// - a pronoun for one of another person ("how old are you" / "how old am I", "he" / "she", "my" /
//   "your"), but not one of the asking ("do you know when" / "let me know when") nor the generic
//   subject of a how-to question ("how do I grow tomatoes" / "how do you grow tomatoes"), nor a
//   pronoun that shifts with that subject ("how do I reset my password" / "how do you reset your
//   password"; "how do I reset your password" is another question).
// The embedding cannot tell a synonym from a neighbour of its kind ("car" / "automobile" as close as
// "tomatoes" / "cucumbers"), so a swap of synonyms not listed is refused too: a miss, the cheap side.
// A modifier narrows what is asked as much: a word where one stands, right before a noun both questions
// go on with, added ("how do I cook brown rice" 0.91 against "... cook rice", "the old capital of
// France" 0.94 against "the capital ...") or swapped ("a used car" 0.93 against "a new car", "wet hair"
// / "dry hair"), counts as a swap, unless it is a word that does not narrow the noun (modifier-words.ts: "common
// symptoms", "full name", "a funny joke" / "a good joke"). A word added after the noun counts only when
// it names a measure of it (modifier-words.ts: "the population density of Texas" 0.93 against "the population of
// Texas"; "the capital city of France" stays a hit). A rewording that adds, drops or changes more words
// is not compared.

import { MEASURE_WORDS, PLAIN_WORDS, PRONOUN_LIKE_WORDS } from './modifier-words.ts';

/** Words kept per question (word-order.ts keeps as many): a longer question is not compared. */
const MAX_STEMS = 48;

/** FNV-1a 32 of a stem. */
function stemHash(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Suffixes stripped, in turn, while a stem of at least MIN_STEM letters remains. */
const SUFFIXES: readonly (readonly [string, string])[] = [
  ['ies', 'y'], ['ied', 'y'], ['sses', 'ss'], ['ing', ''], ['ed', ''], ['s', ''], ['e', ''],
];
const MIN_STEM = 3;
/** Endings of words that are not plurals: "class", "bus", "analysis". */
const NOT_PLURAL = /(ss|us|is)$/;

/**
 * A word's stem: inflections meet ("tomatoes", "tomato" -> "tomato"; "baked", "bake", "baking" ->
 * "bak"; "stopped" -> "stop"). Crude on purpose: it only has to give a word and its inflections one
 * stem; two words it merges ("cares", "car") are not compared, the cheap side.
 */
export function stem(lw: string): string {
  let w = lw;
  for (let changed = true; changed;) {
    changed = false;
    for (const [suffix, put] of SUFFIXES) {
      if (!w.endsWith(suffix) || (suffix === 's' && NOT_PLURAL.test(w))) continue;
      const next = w.slice(0, w.length - suffix.length) + put;
      if (next.length < MIN_STEM) continue;
      w = next;
      changed = true;
      break;
    }
  }
  // A doubled last consonant left by -ed/-ing ("stopp" from "stopped") is one.
  if (w.length > MIN_STEM && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ss|ll|ff|zz)$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** Stem hashes of the question's (lower-case) words, in order, at most MAX_STEMS. */
export function questionStems(words: readonly string[]): number[] {
  return words.slice(0, MAX_STEMS).map((w) => stemHash(stem(w)));
}

const hashes = (words: string) => words.split(/\s+/).filter(Boolean).map((w) => stemHash(stem(w)));

/**
 * Pronouns by the person they name: a swap of persons is another question. "they" is not among them:
 * mostly no one in particular ("what do they call you" asks "what do I call you").
 */
const PERSON_WORDS = [
  'i me my mine myself', 'you your yours yourself yourselves', 'he him his himself', 'she her hers herself',
  'we us our ours ourselves',
];
/**
 * A person no word names: the generic subject's own pronouns ("my" after "how do I", "your" after
 * "how do you"), read so when two questions' generic subjects differ (relative below).
 */
const SELF = stemHash('\u0000self');
const PERSONS: ReadonlyMap<number, number> = new Map([
  ...PERSON_WORDS.flatMap((words, person) => hashes(words).map((h) => [h, person] as [number, number])),
  [SELF, PERSON_WORDS.length],
]);

/** The person a (lower-case) word names, if a pronoun of PERSONS. */
export const personOf = (lw: string): number | undefined => PERSONS.get(stemHash(stem(lw)));

/**
 * Verbs of the asking: "do you know when" is "let me know when", "do you think you are" is "I think
 * you are". A subject pronoun before one and an object pronoun after one are part of the asking and
 * not compared.
 */
const ASKING = new Set(hashes('know tell let think say wonder ask show guess believe'));
const ASKER_BEFORE = new Set(hashes('i you we'));
const ASKER_AFTER = new Set(hashes('me you us'));

/**
 * Words that carry little of what is asked: articles, auxiliaries, prepositions, question words, the
 * asking and the courtesies around it ("tell me", "please", "hi", "thanks again"), and the words of a
 * kind ("what kind of pets" is "what sort of pets"). Neither rule compares them, so "how can I" /
 * "how do I" stays a rewording. ("it" and "one" stand here too: mostly no one in particular.)
 */
const FUNCTION = new Set(hashes(`a an the this that these those it its itself one ones they them their theirs themselves is are
was were be been being am do does did done have has had having will would shall should can could may might must what which who
whom whose where when why how there here and or but so if then than of in on at for with about as to from into onto by up out
over under through please just also really very tell say know let s t ll re ve d m any some all each every other another such
same kind type category species variety hi hello hey bye goodbye thank thanks okay ok alright oh well yes yeah great
awesome cool lot much again now still ever exactly actually`));

/**
 * Words read as one (each a group of synonyms), kept short: the swaps the intent data's training
 * split has most often between close questions of one intent (bench/cache-question-checks.ts
 * --split train; chosen there, never on the dev split or the reference's test data).
 */
const SYNONYMS: ReadonlyMap<number, number> = new Map([
  'help assist assistance answer reply response information', 'meaning purpose point', 'hobby activity thing',
  'make made create design build built manufacture', 'real actual live', 'person individual human',
].flatMap((words, group) => hashes(words).map((h) => [h, group] as [number, number])));

/**
 * Swaps refused at most: "buy my mom for her birthday" / "my dad for his birthday" is two. (On the
 * training split, 2 refuses 6 more close pairs of other questions than 1 at the cost of 1 same-intent
 * pair; more adds 1.)
 */
const MAX_SWAPS = 2;

const same = (a: number, b: number) => a === b || (SYNONYMS.get(a) ?? -1) === (SYNONYMS.get(b) ?? -2);

/**
 * Words after which a word is mostly a verb or an adjective ("I wish" / "I would like", "it's nice" /
 * "it's good", "do you identify"): subjects, auxiliaries, "to". A swap there is mostly a rewording
 * (the embedding's neighbours there are synonyms more often than among nouns) and is not refused.
 */
const VERB_BEFORE = new Set(hashes(`i you he she we they it is are was were be been am s re m do does did can could would will
should shall may might must to not t ll d gotta wanna who`));
/** Forms of "be": after one, a word is mostly an adjective ("it's nice"), but after "what is" a noun. */
const BE = new Set(hashes('is are was were be been am s re m'));
const ASKS_WHAT = new Set(hashes('what who which'));
/**
 * An auxiliary opening a question is followed by its subject: "does running burn ..." scored 0.91 against
 * "does walking burn ...", "how much sleep do adults need" 0.82 against "... teenagers ...", "how far is mars" 0.84.
 */
const [AUX, ASKS, AMOUNT] = ['do does did can could will would should is are was were has have had', 'how what why when where which who',
  'how much many'].map((words) => new Set(hashes(words)));
const subjectAfterAux = (w: readonly number[], n: number): boolean =>
  AUX.has(w[n - 1] ?? -1) && !PRONOUN_LIKE.has(w[n]!) && (n === 1 || ASKS.has(w[n - 2] ?? -1) || AMOUNT.has(w[n - 3] ?? -1));
/** Words before which a word is mostly a verb: its object ("what company created you"). */
const VERB_AFTER = new Set(hashes('me you him us them'));

/** What a differing stretch of the two questions is, its function words aside. */
type Change = 'none' | 'swap' | 'other';

/**
 * The subject of a how-to or advice question is anyone: "how do I grow tomatoes" is "how do you grow
 * tomatoes", "how can we ...", "how does one ..."; "what should I tell my wife" is "what should you
 * tell my wife". A subject pronoun right after the question word's auxiliary there is not compared;
 * possessives and objects are, as the subject's own or another's (relative: "my wife" / "your wife"
 * after one subject, "how can I help you" / "how can you help me"), and so are other questions' subjects ("how tall are you" / "how tall am I", "what can
 * you do" / "what can I do": the first asks the assistant).
 */
const GENERIC = new Set(hashes('i you we'));
const HOW = hashes('how')[0]!;
const HOW_AUX = new Set(hashes('do does can could should would'));
const WHAT = hashes('what')[0]!;
const WHAT_AUX = new Set(hashes('should'));

function genericSubject(w: readonly number[], n: number): boolean {
  if (!GENERIC.has(w[n]!)) return false;
  const [aux, asks] = [w[n - 1] ?? -1, w[n - 2] ?? -1];
  return (asks === HOW && HOW_AUX.has(aux)) || (asks === WHAT && WHAT_AUX.has(aux));
}

/** The person of the question's first generic subject ("how do I": the first person), if it has one. */
export function genericPerson(w: readonly number[]): number | undefined {
  for (let n = 0; n < w.length; n++) if (genericSubject(w, n)) return PERSONS.get(w[n]!);
  return undefined;
}

/**
 * The question with its generic subject's other pronouns read as SELF: "how do I reset my password"
 * and "how do you reset your password" are one question (the possessive shifts with the subject),
 * "how do I reset your password" is not ("your" is another's there, the subject's own in the other).
 */
const relative = (w: readonly number[], person: number): number[] =>
  w.map((h, n) => (PERSONS.get(h) === person && !genericSubject(w, n) ? SELF : h));

/** Where in w[from..to) the words compared stand: content words and pronouns not of the asking. */
function compared(w: readonly number[], from: number, to: number): number[] {
  const at: number[] = [];
  for (let n = from; n < to; n++) {
    const h = w[n]!;
    if (PERSONS.has(h)) {
      if ((ASKER_BEFORE.has(h) && ASKING.has(w[n + 1] ?? -1)) || (ASKER_AFTER.has(h) && ASKING.has(w[n - 1] ?? -1))) continue;
      if (genericSubject(w, n)) continue;
      at.push(n);
    } else if (!FUNCTION.has(h)) at.push(n);
  }
  return at;
}

/**
 * What word n of `w` is, as far as its neighbours tell: a head noun (a swap there is refused) or likely
 * a verb or a modifier (after a subject or an auxiliary not opening the question, before an object
 * pronoun, or before a word both have next: "a funny joke" / "a good joke"), where swaps are mostly
 * rewordings; never right after "what is" / "which is".
 */
function head(w: readonly number[], n: number, other: readonly number[], m: number): boolean {
  const before = w[n - 1] ?? -1;
  if (VERB_AFTER.has(w[n + 1] ?? -1)) return false;
  // After "what is" / "which is" the word is what is asked about, even before a word both questions
  // go on with: "which is faster, Python or Java" is not "which is easier, Python or Java".
  if (BE.has(before) && ASKS_WHAT.has(w[n - 2] ?? -1)) return true;
  if (subjectAfterAux(w, n)) return true;
  if (VERB_BEFORE.has(before)) return false;
  const next = w[n + 1];
  return next === undefined || next !== other[m + 1] || FUNCTION.has(next) || PERSONS.has(next);
}

/** A stretch a[i..j) one question has where the other has b[k..l) (function words aside): a swap or more. */
function change(a: readonly number[], [i, j]: Span, b: readonly number[], [k, l]: Span, shift: Shift): Change {
  const [x, y] = [compared(a, i, j), compared(b, k, l)];
  if (!x.length && !y.length) return 'none';
  if (x.length + y.length === 1) return x.length ? added(a, [i, j], x[0]!, b, [k, l]) : added(b, [k, l], y[0]!, a, [i, j]);
  if (x.length !== 1 || y.length !== 1) return 'other';
  const [n, m] = [x[0]!, y[0]!];
  const [pa, pb] = [PERSONS.get(a[n]!), PERSONS.get(b[m]!)];
  // A pronoun for a pronoun of another person in a stretch of as many words ("are you" / "am I").
  if (pa !== undefined && pb !== undefined) {
    return pa === pb || (pa === shift?.[0] && pb === shift[1]) ? 'none' : j - i === l - k ? 'swap' : 'other';
  }
  if (pa !== undefined || pb !== undefined) return 'other';
  if (same(a[n]!, b[m]!)) return 'none';
  // A content word for one that is not its synonym, where both stand as nouns, or as modifiers of one.
  return (head(a, n, b, m) && head(b, m, a, n)) || modifiers(a, n, b, m) ? 'swap' : 'other';
}

const [PLAIN, PRONOUN_LIKE, MEASURES] = [PLAIN_WORDS, PRONOUN_LIKE_WORDS, MEASURE_WORDS].map((words) => new Set(hashes(words)));
const [ARTICLES, NO_PLAIN] = [new Set(hashes('a an the')), new Set<number>()];

/**
 * Where word n of `w` stands right before the noun its question goes on with as `o` does (a shared
 * content word, not a verb: none right after a subject or an auxiliary, nor before an object pronoun).
 */
function beforeSharedNoun(w: readonly number[], n: number, next: number | undefined, afterNext: number | undefined, plain = PLAIN): boolean {
  if (VERB_BEFORE.has(w[n - 1] ?? -1) || plain.has(w[n]!) || PRONOUN_LIKE.has(w[n]!)) return false;
  if (next === undefined || FUNCTION.has(next) || PERSONS.has(next) || PRONOUN_LIKE.has(next)) return false;
  // The word both go on with is a verb when an object pronoun follows it ("what company created you").
  return !VERB_AFTER.has(afterNext ?? -1);
}

/** Two words swapped where modifiers stand ("a used car" / "a new car", "the melting point" / "the boiling point"); two
 *  plain ones are a rewording ("a funny joke" / "a good joke"), a plain one for another not ("the best way" / "the fastest way"). */
function modifiers(a: readonly number[], n: number, b: readonly number[], m: number): boolean {
  return !(PLAIN.has(a[n]!) && PLAIN.has(b[m]!)) && a[n + 1] === b[m + 1] && beforeSharedNoun(a, n, a[n + 1], a[n + 2], NO_PLAIN) &&
    beforeSharedNoun(b, m, b[m + 1], b[m + 2], NO_PLAIN);
}

/**
 * Word n of `w` (its stretch [from, end)) where `o` has none but articles (its stretch [ofrom, oend)):
 * a swap when it is a modifier of the noun both go on with ("cook brown rice" / "cook rice", "a duck
 * egg" / "an egg"), or a measure of the noun before it. Not at the start of a question (no shared word
 * before it tells where it stands).
 */
function added(w: readonly number[], [from, end]: Span, n: number, o: readonly number[], [ofrom, oend]: Span): Change {
  // A measure right after a content word both have, where the other has nothing: "population density".
  if (from > 0 && n === from && oend === ofrom && MEASURES.has(w[n]!) && !FUNCTION.has(w[n - 1]!) && !PERSONS.has(w[n - 1]!)) return 'swap';
  if (from === 0 || PERSONS.has(w[n]!) || n + 1 !== end || w[n + 1] !== o[oend]) return 'other';
  for (let m = ofrom; m < oend; m++) if (!ARTICLES.has(o[m]!)) return 'other';
  return beforeSharedNoun(w, n, w[n + 1], w[n + 2]) ? 'swap' : 'other';
}

/** A stretch of one word list: [from, to). */
type Span = [number, number];

/** The stretches where two word lists differ, from their longest common subsequence. */
function stretches(a: readonly number[], b: readonly number[]): [Span, Span][] {
  const n = a.length, m = b.length;
  // lcs[i * (m + 1) + j]: the longest common subsequence of a[i..] and b[j..]
  const lcs = new Uint8Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[i] === b[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const out: [Span, Span][] = [];
  let cur: [Span, Span] | undefined;
  for (let i = 0, j = 0; i < n || j < m;) {
    if (i < n && j < m && a[i] === b[j]) {
      if (cur) out.push(cur);
      cur = undefined;
      i++;
      j++;
      continue;
    }
    cur ??= [[i, i], [j, j]];
    if (j < m && (i >= n || lcs[i * (m + 1) + j + 1]! >= lcs[(i + 1) * (m + 1) + j]!)) cur[1][1] = ++j;
    else cur[0][1] = ++i;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * True when one question is the other with a content word or a pronoun swapped (see the top):
 * every stretch where they differ is function words, or one word for one word, and at least one
 * is a swap.
 */
export function wordSwapped(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  // Missing stems (entries stored before this check) never refuse, nor does a cut list.
  if (!a?.length || !b?.length || a.length >= MAX_STEMS || b.length >= MAX_STEMS) return false;
  // Generic subjects of two persons: each question's pronouns of its subject's person are its own
  // (SELF). With one person (or none) the words are compared as they are, as before.
  const [pa, pb] = [genericPerson(a), genericPerson(b)];
  // Both ways: of two alignments as long, one may pair the swapped words and the other not ("can you
  // help me" / "can I help you" lines up "can ... you" one way, "can ... help" the other).
  if (pa === undefined || pb === undefined || pa === pb) return swappedAligned(a, b) || swappedAligned(b, a);
  const [x, y] = [relative(a, pa), relative(b, pb)];
  // Relative, a pronoun that did not shift with the subject is a swap ("how do I reset your password"
  // / "how do you reset your password"); as they are, with the shift itself no swap, a swap beside the
  // shift is found on its own ("what should I tell my wife" / "what should you tell my husband" lines
  // "my wife" up against "my husband" relative, one stretch of two words: not compared).
  return swappedAligned(x, y) || swappedAligned(y, x) || swappedAligned(a, b, [pa, pb]) || swappedAligned(b, a, [pb, pa]);
}

/** Two generic subjects' persons, [a's, b's]: a pronoun of one for one of the other is no swap. */
type Shift = readonly [number, number] | undefined;

function swappedAligned(a: readonly number[], b: readonly number[], shift?: Shift): boolean {
  let swaps = 0;
  for (const [x, y] of stretches(a, b)) {
    const c = change(a, x, b, y, shift);
    if (c === 'other') return false;
    if (c === 'swap') swaps++;
  }
  return swaps > 0 && swaps <= MAX_SWAPS;
}
