// Which way a question points, which the embedding all but ignores: "How do I increase my credit
// score?" scored 0.97 against "... decrease ...", "What should I eat before a workout?" 0.99 against
// "... after ...", "turn on dark mode" 0.98 against "turn off", "first element of a list" 0.95
// against "last", and each was served the other's answer. A stored answer keeps its question's poles
// (which end of each pair below it names, as hashes, not text) and a lookup refuses an entry when both
// questions name a pair but not the same end(s) of it. A question naming no end of a pair is not
// compared on it ("raise my score" / "improve my score": "improve" is on no list), so a rewording
// costs a hit only when it names the other end, the cheap side to err on.
//
// The list is small on purpose: words whose opposite turns the answer around (direction, extremes,
// time, state, the two sides of a trade or an operation) and that rarely stand for something else.
// Words of one end are its synonyms ("raise" and "increase" meet); a word may stand at ends of two
// pairs ("lower" is less and lower case). Left out: to/from and in/out/up/down (in nearly every
// question, mostly not as a direction), with/without and never (negations, question-marks.ts).

/** Each pair: [one end, the other end]; an end's first word names it (its hash is what is kept). */
const PAIRS: readonly (readonly [readonly string[], readonly string[]])[] = [
  [['increase', 'raise', 'boost', 'rise', 'rose', 'risen', 'grow', 'grew', 'grown', 'higher'], ['decrease', 'reduce', 'lower', 'fall', 'fell', 'fallen', 'shrink', 'drop']],
  [['more'], ['less', 'fewer']],
  [['high', 'highest'], ['low', 'lowest']],
  [['max', 'maximum', 'maximize', 'maximise', 'largest', 'biggest', 'greatest', 'most'], ['min', 'minimum', 'minimize', 'minimise', 'smallest', 'least']],
  [['big', 'bigger', 'large', 'larger'], ['small', 'smaller']],
  [['before', 'earlier'], ['after', 'later']],
  [['first'], ['last']],
  [['start', 'begin', 'began', 'begun'], ['stop', 'end', 'finish']],
  [['hot', 'hotter', 'hottest', 'warm', 'warmer', 'heat'], ['cold', 'colder', 'coldest', 'cool', 'cooler']],
  [['buy', 'bought', 'purchase'], ['sell', 'sold']],
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
  [['yesterday'], ['tomorrow']],
  [['past'], ['future']],
  [['above'], ['below']],
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
  [['possible'], ['impossible']],
  [['legal'], ['illegal']],
  [['agree'], ['disagree']],
  [['sunrise'], ['sunset']],
];

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
/** An end's hash -> its pair's other end's hash. */
const OPPOSITE = new Map<number, number>();
for (const [a, b] of PAIRS) {
  const ha = nameHash(a[0]!), hb = nameHash(b[0]!);
  OPPOSITE.set(ha, hb).set(hb, ha);
  for (const [words, h] of [[a, ha], [b, hb]] as const) {
    for (const w of words) {
      for (const f of forms(w)) {
        const at = ENDS.get(f) ?? [];
        if (!at.includes(h)) at.push(h);
        ENDS.set(f, at);
      }
    }
  }
}

/** Sorted hashes of the ends the question's (lower-case) words name, each once. */
export function questionPoles(words: Iterable<string>): number[] {
  const poles = new Set<number>();
  for (const w of words) {
    for (const h of ENDS.get(w) ?? []) if (poles.size < MAX_POLES) poles.add(h);
  }
  return [...poles].sort((x, y) => x - y);
}

/**
 * True when both questions name a pair and not the same end(s) of it: one says "increase" and the
 * other "decrease" (or "increase or decrease"). Missing poles (entries stored before) never refuse,
 * nor do hashes of ends no longer listed.
 */
export function polesOppose(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (!a?.length || !b?.length) return false;
  const inA = new Set(a), inB = new Set(b);
  for (const h of inA) {
    const o = OPPOSITE.get(h);
    if (o === undefined) continue;
    // This pair, seen from a's end h: b names it and differs from a at one of the two ends.
    // (Every pair both name has an end in a, so walking a's ends alone sees them all.)
    if ((inB.has(h) || inB.has(o)) && (!inB.has(h) || inA.has(o) !== inB.has(o))) return true;
  }
  return false;
}
