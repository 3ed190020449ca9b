// Programming languages, libraries and formats are no person, organisation or place. The token model
// reads "Python" as a place or a person ("How do I write a for loop in Python?": GPE 0.89), so a
// pii_policy that denies names blocked ordinary coding questions. On the training side of our data
// (intent `code` rows and jailbreak `benign` rows, split() train, 4,340 rows) the detector found a
// name in 882 rows; 320 of its 1,572 name spans held "Python", 29 "Pandas", and so on down this list.
// The list is those words, minus any a PII training row labels as a name ("Julia": PERSON) and words
// with a common other sense ("Swift", "Unity", "Windows", "Node"). Chosen there only: not on the dev
// split, nor on ../shared/vsr-testdata.

const TECH = new Set(
  `python pandas django sqlalchemy excel html selenium kotlin json regex sql vpc ascii tkinter matlab numpy kubernetes
react duckdb tk mechanize matplotlib unicode cmakelists qt pil golang crud pinia javascript`.split(/\s+/),
);

/** Name types a technology word is read as (vsr type names). */
const NAME_TYPES = new Set(['PERSON', 'ORGANIZATION', 'GPE', 'NRP']);

/** A word of the list, in any case, with a possessive ("Python's") read as the word. */
export function isTechName(word: string): boolean {
  return TECH.has(word.toLowerCase().replace(/['’]s$/, ''));
}

/**
 * Whether a name span holds a technology word and nothing else but lower-case words ("Python",
 * "Python Pandas", "Python script": a word beside it is its noun): then it is no name. A capitalised
 * word off the list keeps the span ("Guido van Rossum").
 */
export function techOnly(text: string, e: { type: string; start: number; end: number }): boolean {
  if (!NAME_TYPES.has(e.type)) return false;
  let tech = false;
  for (const raw of text.slice(e.start, e.end).split(/[\s/]+/)) {
    const w = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}'’]+$/gu, '');
    if (!w) continue;
    if (isTechName(w)) tech = true;
    else if (!/^[\p{Ll}\p{N}]/u.test(w)) return false;
  }
  return tech;
}
