// The text the jailbreak guard classifies, folded so that spellings a model reads as the same words
// score as those words. The upstream model reads through zero-width characters, soft hyphens,
// fullwidth or mathematical letters, Cyrillic look-alikes and stacked combining marks; the guard's
// bag of n-grams did not ("ig\u200Bnore" and "ｉｇｎｏｒｅ" are other tokens than "ignore"), so one
// invisible character per trigger word let an injection through. Used for the verdict only: what is
// forwarded is never changed.
import { readPlaceholders } from './template-placeholders.ts';

// Unicode's Default_Ignorable_Code_Point: zero-width space/joiners, word joiner, BOM, soft hyphen,
// combining grapheme joiner, variation selectors, tag characters, bidi controls. None shows a glyph.
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
// Non-spacing marks on a Latin letter (after NFKD: accents, strike-through overlays, "zalgo" stacks).
const LATIN_MARKS = /(\p{Script=Latin})\p{Mn}+/gu;
// Non-spacing marks on no letter at all (a strike-through overlay on the spaces and stops between
// words): no script writes them so, and left in they glued a mark to each word's n-grams.
const STRAY_MARKS = /(^|[^\p{L}\p{M}])\p{Mn}+/gu;
const WORD = /[\p{L}\p{M}]+/gu;
const LATIN = /\p{Script=Latin}/u;
const LATIN_G = /\p{Script=Latin}/gu;
// Armenian too: օ ո ս հ ց զ are drawn as o n u h g q.
const CYRILLIC_GREEK = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}]/u;
const CYRILLIC_GREEK_G = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}]/gu;

// Cyrillic, Greek and Armenian letters drawn like a Latin one (Unicode confusables, the unambiguous ones).
const LOOKALIKE = new Map<string, string>(
  Object.entries({
    а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
    і: 'i', ї: 'i', ј: 'j', ѕ: 's', һ: 'h', ԁ: 'd', ӏ: 'l', ԛ: 'q', ԝ: 'w', ү: 'y',
    А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', У: 'Y',
    І: 'I', Ј: 'J', Ѕ: 'S', Ү: 'Y', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W',
    α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y',
    Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
    օ: 'o', ո: 'n', ս: 'u', հ: 'h', ց: 'g', զ: 'q', Օ: 'O', Ս: 'U',
  }),
);

// Latin small capitals (ɪɢɴᴏʀᴇ): letters to a reader and a model, not folded by NFKC.
const SMALL_CAPS = new Map<string, string>([...'ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ'].map((c, i) => [c, 'abcdefghijklmnopqrstuvwyz'[i]!]));
const SMALL_CAP = /[ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ]/gu;

const ASCII_ONLY = /^[\x00-\x7f]*$/;

// Normalised in pieces cut at whitespace, so a long text is never held twice whole and compatibility
// forms that expand (one U+FDFA is 18 characters under NFKC) cannot blow a 10 MiB body up 18-fold:
// normalising stops once the output passes the caller's limit.
const PIECE = 1 << 16;

/**
 * `text` as the guard classifies it: default-ignorable code points dropped, compatibility forms
 * folded (NFKC: fullwidth, mathematical, circled letters, ligatures, odd spaces), Latin small
 * capitals read as letters, marks on Latin
 * letters dropped, and Cyrillic/Greek look-alikes read as Latin inside words that mix them with Latin
 * letters (or, in a mostly Latin text, in words made of look-alikes only). Real Cyrillic or Greek
 * words in a Cyrillic or Greek text are left alone; letters spelled out one by one are joined; template
 * placeholders (`{{ name }}`) read as the names they hold (template-placeholders.ts). The result is
 * cut soon after it passes `limit` characters (the caller's scan budget then refuses it).
 */
export function guardText(text: string, limit = Infinity): string {
  const ascii = ASCII_ONLY.test(text);
  if (text.length <= PIECE) return joinSpaced(readPlaceholders(ascii ? text : fold(text)));
  // In pieces an ASCII text too: folded whole, 5 MB of "a." pairs cost 1.6 s of joinSpaced before
  // the budget refused it.
  let out = '';
  for (let start = 0; start < text.length && out.length <= limit; ) {
    const end = pieceEnd(text, start);
    const piece = text.slice(start, end);
    out += joinSpaced(readPlaceholders(ascii ? piece : fold(piece)));
    start = end;
  }
  return out;
}

// Letters spelled out one by one ("I g n o r e  a l l", "i.g.n.o.r.e"): a model reads the words, the
// n-grams saw single letters (dev jailbreak rows so written: 0.000 flagged; joined: 0.940, plain 0.945).
// In a chain of single letters, each after up to 8 characters that are neither letters nor digits,
// a separator repeated between three or more letters in a row is the one inside a word (a dash, a
// comma, a newline, an emoji, two spaces) and dropped, as is a lone one of " .-_*|" between two; any
// other is a word break, kept less the inner separator next to it ("I-g-n-o-r-e a-l-l" -> "Ignore
// all"; one character per line -> the sentence).
const CHAIN = /(?<![A-Za-z0-9])[A-Za-z](?:[^A-Za-z0-9]{1,8}[A-Za-z](?![A-Za-z0-9]))+/g;
const CHAIN_TEST = /(?<![A-Za-z0-9])[A-Za-z][^A-Za-z0-9]{1,8}[A-Za-z](?![A-Za-z0-9])/;
const LONE = /^[ .\-_*|]$/;

function joinSpaced(text: string): string {
  if (!CHAIN_TEST.test(text)) return text;
  return text.replace(CHAIN, joinChain);
}

function joinChain(chain: string): string {
  const letters = chain.match(/[A-Za-z]/g)!;
  const seps = chain.split(/[A-Za-z]/).slice(1, -1);
  // Runs of equal separators: [first index, last index]; a run joins when it is inner (see above).
  const inner: Array<string | undefined> = new Array(seps.length);
  for (let i = 0; i < seps.length; ) {
    let j = i;
    while (j + 1 < seps.length && seps[j + 1] === seps[i]) j++;
    if (j > i || (seps.length === 1 && LONE.test(seps[i]!))) for (let k = i; k <= j; k++) inner[k] = seps[i];
    i = j + 1;
  }
  let out = letters[0]!;
  for (let i = 0; i < seps.length; i++) {
    const sep = seps[i]!;
    if (inner[i] === undefined) {
      const near = [inner[i - 1], inner[i + 1]].find((t) => t !== undefined && sep.includes(t));
      if (near === undefined) out += sep;
      else {
        const rest = sep.split(near).join('');
        out += /\s/.test(rest) ? rest : `${rest} `;
      }
    }
    out += letters[i + 1]!;
  }
  return out;
}

/** End of the piece from `start`: just after the last whitespace before start + PIECE (a combining
 *  sequence or surrogate pair never straddles it), else start + PIECE moved off a low surrogate. */
function pieceEnd(text: string, start: number): number {
  let end = Math.min(text.length, start + PIECE);
  if (end === text.length) return end;
  for (let i = end; i > start + PIECE / 2; i--) if (/\s/.test(text[i - 1]!)) return i;
  const c = text.charCodeAt(end);
  return c >= 0xdc00 && c <= 0xdfff ? end + 1 : end;
}

function fold(text: string): string {
  let t = text.replace(IGNORABLE, '').normalize('NFKD').replace(SMALL_CAP, (c) => SMALL_CAPS.get(c)!);
  if (CYRILLIC_GREEK.test(t)) {
    const latinMajority = count(t, LATIN_G) > count(t, CYRILLIC_GREEK_G);
    t = t.replace(WORD, (w) => (CYRILLIC_GREEK.test(w) && (LATIN.test(w) || (latinMajority && allLookalike(w))) ? mapLookalikes(w) : w));
  }
  return t.replace(LATIN_MARKS, '$1').replace(STRAY_MARKS, '$1').normalize('NFKC');
}

function count(text: string, re: RegExp): number {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(text)) n++;
  return n;
}

function allLookalike(word: string): boolean {
  for (const ch of word) if (!LOOKALIKE.has(ch) && !LATIN.test(ch) && !/\p{M}/u.test(ch)) return false;
  return true;
}

function mapLookalikes(word: string): string {
  let out = '';
  for (const ch of word) out += LOOKALIKE.get(ch) ?? ch;
  return out;
}

/** A folded copy of a text and, for each of its UTF-16 units, the span of the source it came from. */
export interface FoldedText {
  text: string;
  starts: Int32Array;
  ends: Int32Array;
}

const IGNORABLE_1 = /^\p{Default_Ignorable_Code_Point}$/u;
const MARK_1 = /^\p{Mn}$/u;
const LATIN_1 = /^\p{Script=Latin}$/u;

/**
 * The PII scan's fold, which must say where each finding lies in the text as sent (redaction masks
 * those characters): code point by code point, tag characters read as the ASCII they carry, other default-ignorables dropped, marks after a Latin letter
 * dropped, look-alikes in mixed Latin words read as Latin, the rest NFKC (fullwidth @ and digits, ...).
 * Per code point, NFKC does not compose across characters; for finding addresses and numbers that is
 * what matters. Undefined when the text is ASCII or folds to itself.
 */
export function foldWithOffsets(text: string): FoldedText | undefined {
  if (ASCII_ONLY.test(text)) return undefined;
  const mixed = mixedWordMask(text);
  let out = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let prevLatin = false;
  let changed = false;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const n = cp > 0xffff ? 2 : 1;
    const ch = n === 1 ? text[i]! : text.slice(i, i + 2);
    let rep = ch;
    if (cp >= 0x80) {
      // A tag character is the ASCII it smuggles (hidden-text.ts): a model that sees its bytes reads it.
      if (cp >= 0xe0020 && cp <= 0xe007e) rep = String.fromCharCode(cp - 0xe0000);
      else if (IGNORABLE_1.test(ch) || (prevLatin && MARK_1.test(ch))) rep = '';
      else if (mixed[i] && LOOKALIKE.has(ch)) rep = LOOKALIKE.get(ch)!;
      else if (SMALL_CAPS.has(ch)) rep = SMALL_CAPS.get(ch)!;
      else {
        // Forms that expand to whole words (U+FDFA is 18 characters) are no part of an address or number.
        const nfkc = ch.normalize('NFKC');
        rep = nfkc.length <= 4 ? nfkc : ch;
      }
    }
    if (rep !== ch) changed = true;
    if (rep) prevLatin = LATIN_1.test(rep[rep.length - 1]!);
    for (let k = 0; k < rep.length; k++) {
      starts.push(i);
      ends.push(i + n);
    }
    out += rep;
    i += n;
  }
  return changed ? { text: out, starts: Int32Array.from(starts), ends: Int32Array.from(ends) } : undefined;
}

/** True at the offsets of words that mix Cyrillic/Greek with Latin letters (look-alikes there are read as Latin). */
function mixedWordMask(text: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  if (!CYRILLIC_GREEK.test(text)) return mask;
  for (const m of text.matchAll(WORD)) if (CYRILLIC_GREEK.test(m[0]) && LATIN.test(m[0])) mask.fill(1, m.index, m.index + m[0].length);
  return mask;
}
