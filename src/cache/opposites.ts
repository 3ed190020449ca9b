// Which way a question points, which the embedding all but ignores: "How do I increase my credit
// score?" scored 0.97 against "... decrease ...", "What should I eat before a workout?" 0.99 against
// "... after ...", "turn on dark mode" 0.98 against "turn off", "first element of a list" 0.95
// against "last", and each was served the other's answer. A stored answer keeps its question's poles
// (which end of each group below it names, as hashes, not text) and a lookup refuses an entry when both
// questions name a group but not the same end(s) of it. A question naming no end of a group is not
// compared on it ("raise my score" / "improve my score": "improve" is on no list), so a rewording
// costs a hit only when it names the other end, the cheap side to err on.
//
// The list is small on purpose: words whose opposite turns the answer around (direction, extremes,
// time, state, the two sides of a trade or an operation) and that rarely stand for something else.
// Words of one end are its synonyms ("raise" and "increase" meet); a word may stand at ends of two
// groups ("lower" is less and lower case); a group of more ends holds words that exclude each other
// (summer / winter / autumn). Left out: to/from and in/out/up/down (in nearly every
// question, mostly not as a direction), with/without and never (negations, question-marks.ts).

import { genericPerson, personOf, questionStems } from './word-swaps.ts';

/** Each group: its ends (two, or a few that exclude each other); an end's first word names it (its hash is kept). */
const GROUPS: readonly (readonly (readonly string[])[])[] = [
  [['increase', 'raise', 'boost', 'rise', 'rose', 'risen', 'grow', 'grew', 'grown', 'higher'], ['decrease', 'reduce', 'lower', 'fall', 'fell', 'fallen', 'shrink', 'drop']],
  // "too much vitamin C" scored 0.96 against "too little vitamin C".
  [['more', 'much'], ['less', 'fewer', 'little']],
  [['high', 'highest'], ['low', 'lowest']],
  [['max', 'maximum', 'maximize', 'maximise', 'largest', 'biggest', 'greatest', 'most'], ['min', 'minimum', 'minimize', 'minimise', 'smallest', 'least']],
  [['big', 'bigger', 'large', 'larger'], ['small', 'smaller']],
  [['before', 'earlier'], ['after', 'later']],
  [['first'], ['last']],
  [['start', 'begin', 'began', 'begun'], ['stop', 'end', 'finish']],
  [['hot', 'hotter', 'hottest', 'warm', 'warmer', 'heat'], ['cold', 'colder', 'coldest', 'cool', 'cooler']],
  [['buy', 'bought', 'purchase'], ['sell', 'sold'], ['rent', 'lease']],
  [['add', 'insert', 'append'], ['remove', 'delete', 'erase', 'drop']],
  [['enable', 'activate', 'on'], ['disable', 'deactivate', 'off']],
  [['open'], ['close', 'shut']],
  [['gain', 'win', 'won', 'profit'], ['lose', 'lost', 'loss']],
  [['best', 'better'], ['worst', 'worse']],
  [['upper', 'uppercase'], ['lower', 'lowercase']],
  [['even'], ['odd']],
  [['positive'], ['negative']],
  [['ascending', 'asc'], ['descending', 'desc']],
  [['fast', 'faster', 'fastest', 'quick', 'quickly'], ['slow', 'slower', 'slowest', 'slowly']],
  [['long', 'longer', 'longest'], ['short', 'shorter', 'shortest']],
  [['cheap', 'cheaper', 'cheapest'], ['expensive']],
  [['strong', 'stronger'], ['weak', 'weaker']],
  [['true'], ['false']],
  [['today'], ['tomorrow'], ['yesterday']],
  [['this', 'current'], ['next', 'coming'], ['previous', 'last']],
  [['am', 'morning'], ['pm']],
  [['past'], ['future']],
  [['above'], ['below']],
  // "on an empty stomach" scored 0.96 against "on a full stomach" ("full" alone is a plain modifier: "full name").
  [['empty'], ['full']],
  // "Which planet is closest to the sun?" scored 0.83 against "... farthest from the sun?".
  [['near', 'nearer', 'nearest', 'closer', 'closest', 'nearby'], ['farther', 'farthest', 'further', 'furthest']],
  // "Why is the sky blue during the day?" scored 0.82 against "Why is the sky red at sunset?".
  [['red'], ['blue'], ['green'], ['yellow'], ['white'], ['black'], ['brown'], ['purple'], ['orange'], ['pink'], ['gray', 'grey']],
  [['north'], ['south']],
  [['east'], ['west']],
  [['left'], ['right']],
  [['row'], ['column', 'col']],
  [['horizontal', 'horizontally'], ['vertical', 'vertically']],
  [['key'], ['value']],
  [['read'], ['write', 'wrote', 'written']],
  [['import'], ['export']],
  [['upload'], ['download']],
  [['input'], ['output']],
  [['send', 'sent'], ['receive']],
  [['push'], ['pull']],
  [['show', 'shown'], ['hide', 'hid', 'hidden']],
  [['include'], ['exclude']],
  [['accept', 'approve'], ['reject', 'decline', 'deny']],
  [['allow', 'permit'], ['block', 'forbid']],
  [['pass', 'succeed', 'success'], ['fail', 'failure']],
  [['love'], ['hate']],
  [['multiply'], ['divide']],
  [['plus'], ['minus', 'subtract']],
  [['union'], ['intersection']],
  [['encrypt'], ['decrypt']],
  [['encode'], ['decode']],
  [['compress', 'zip'], ['decompress', 'unzip']],
  [['serialize', 'serialise'], ['deserialize', 'deserialise']],
  [['lock'], ['unlock']],
  [['install'], ['uninstall']],
  [['subscribe'], ['unsubscribe']],
  [['connect'], ['disconnect']],
  [['login', 'signin'], ['logout', 'signout']],
  // "How do I apply for a credit card?" scored 0.81 against "How do I cancel a credit card?".
  [['apply', 'register', 'enroll', 'enrol', 'join'], ['cancel', 'withdraw', 'quit', 'leave', 'unregister']],
  [['possible'], ['impossible']],
  [['legal'], ['illegal']],
  [['agree'], ['disagree']],
  [['sunrise'], ['sunset']],
  [['pros', 'pro'], ['cons', 'con']],
  [['advantage'], ['disadvantage', 'drawback', 'downside']],
  [['dark'], ['light']],
  [['good'], ['bad']],
  [['public'], ['private']],
  [['visible'], ['invisible']],
  [['introvert', 'introverted'], ['extrovert', 'extroverted']],
  [['boy', 'son'], ['girl', 'daughter']],
  [['male', 'men', 'man'], ['female', 'women', 'woman']],
  [['summer'], ['winter'], ['autumn']],
  [['morning'], ['afternoon'], ['evening'], ['night', 'tonight']],
  // What is asked about the same thing: "when was the eiffel tower built" scored 0.97 against "where
  // ...", "who wrote hamlet" 0.87 against "when was hamlet written", "how far is the moon" 0.89 against
  // "how big". ("what" and "how" alone stay out: "what year" asks "when".)
  [['who', 'whom', 'whose'], ['when'], ['where'], ['why']],
  [['size', 'big'], ['distance', 'far'], ['age', 'old'], ['height', 'tall'], ['weight', 'heavy'], ['depth', 'deep'], ['width', 'wide']],
  // Whose: "what is my name" scored 0.90 against "what is your name", "my favorite color" 0.96 against
  // "your favorite color". Possessives only: "can you tell me my name" asks what "what is my name" does.
  // After a generic subject, whose relative to it (OWN, OTHERS below): "how do I reset my password" is
  // "how do you reset your password".
  [['my', 'mine', 'myself'], ['your', 'yours', 'yourself']],
  // Medical prefixes: hypertension / hypotension, hyperglycemia / hypoglycemia (PREFIX_ENDS below).
  [['hyper'], ['hypo']],
];

/** The whose group ("my" / "your") and, after a generic subject, whose it is relative to it. */
const WHOSE = GROUPS.findIndex((ends) => ends[0]![0] === 'my');
const RELATIVE = GROUPS.length;
// No word is so named: these ends are set by the subject, not by a word (relativeEnds).
const [OWN, OTHERS] = [nameHash('\u0000own'), nameHash('\u0000others')];

/** Poles kept per question (a question with more is compared on its first ones). */
const MAX_POLES = 32;

/** FNV-1a 32 of an end's name: what an entry keeps (stable while the name stays first on its end). */
function nameHash(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The inflections a listed word is also met as: -s, -es, -ed, -d, -ing, a doubled last consonant, y -> ies/ied. */
function forms(w: string): string[] {
  const out = [w, `${w}s`, `${w}es`, `${w}ed`, `${w}d`, `${w}ing`];
  if (w.endsWith('e')) out.push(`${w.slice(0, -1)}ing`);
  if (/[^aeiou][aeiou][bdglmnprt]$/.test(w)) out.push(`${w}${w.at(-1)}ed`, `${w}${w.at(-1)}ing`);
  if (/[^aeiou]y$/.test(w)) out.push(`${w.slice(0, -1)}ies`, `${w.slice(0, -1)}ied`);
  return out;
}

/** Lower-case word form -> the hashes of the ends it stands at. */
const ENDS = new Map<string, number[]>();
/** An end's hash -> its group's index. */
const GROUP_OF = new Map<number, number>();
GROUPS.forEach((ends, g) => {
  for (const words of ends) {
    const h = nameHash(words[0]!);
    // An end is known by its first word: two ends so named would be read as one.
    if (GROUP_OF.has(h)) throw new Error(`opposites: two ends named ${words[0]}`);
    GROUP_OF.set(h, g);
    for (const w of words) {
      for (const f of forms(w)) {
        const at = ENDS.get(f) ?? [];
        if (!at.includes(h)) at.push(h);
        ENDS.set(f, at);
      }
    }
  }
});
GROUP_OF.set(OWN, RELATIVE).set(OTHERS, RELATIVE);

/** Word beginnings that are ends (a word starting so, longer than it, names that end). */
const PREFIX_ENDS = ['hyper', 'hypo'].map((p) => [p, nameHash(p)] as const);

/** The ends a lower-case word names. */
function endsOf(w: string): readonly number[] {
  const listed = ENDS.get(w);
  if (listed) return listed;
  for (const [p, h] of PREFIX_ENDS) if (w.length > p.length + 2 && w.startsWith(p)) return [h];
  return [];
}

/** Sorted hashes of the ends the question's (lower-case) words name, each once. */
export function questionPoles(words: Iterable<string>): number[] {
  const list = [...words];
  const subject = genericPerson(questionStems(list));
  const poles = new Set<number>();
  for (const w of list) {
    for (const h of endsOf(w)) {
      if (poles.size < MAX_POLES) poles.add(h);
      // After a generic subject ("how do I", "what should you"), a "my" / "your" is also the
      // subject's own or another's: "how do I reset my password" is "how do you reset your password".
      if (subject !== undefined && GROUP_OF.get(h) === WHOSE && poles.size < MAX_POLES) poles.add(personOf(w) === subject ? OWN : OTHERS);
    }
  }
  return [...poles].sort((x, y) => x - y);
}

/**
 * True when both questions name a group and not the same end(s) of it: one says "increase" and the
 * other "decrease" (or "increase or decrease"). Missing poles (entries stored before) never refuse,
 * nor do hashes of ends no longer listed.
 */
export function polesOppose(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (!a?.length || !b?.length) return false;
  const byGroup = (poles: readonly number[]) => {
    const m = new Map<number, number[]>();
    for (const h of poles) {
      const g = GROUP_OF.get(h);
      if (g !== undefined) m.set(g, [...(m.get(g) ?? []), h]);
    }
    return m;
  };
  const [inA, inB] = [byGroup(a), byGroup(b)];
  // Both with a generic subject: whose is compared relative to it, not as "my" / "your".
  const relative = inA.has(RELATIVE) && inB.has(RELATIVE);
  for (const [g, ends] of inA) {
    if (relative && g === WHOSE) continue;
    const other = inB.get(g);
    // Both sorted (the poles are), so equal sets are equal lists.
    if (other && (other.length !== ends.length || other.some((h, i) => h !== ends[i]))) return true;
  }
  return false;
}
