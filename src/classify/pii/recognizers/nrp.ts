import { scanAt } from './anchors.ts';
import type { Recognizer } from './types.ts';

// Nationalities, religious and political groups (Presidio's NRP): demonyms and their plurals
// ("Polish", "saudis"). Country names that Faker puts in addresses ("Czech Republic", "Cyprus
// (Greek)", "Greenlander 07609") are excluded by the lookarounds; "English" is left out (usually
// the language).
const WORDS = (
  'afghan albanian algerian american andorran angolan argentine argentinian armenian australian ' +
  'austrian azerbaijani bahamian bahraini bangladeshi barbadian belarusian belgian belizean belizian ' +
  'beninese bhutanese bolivian bosnian brazilian british bruneian bulgarian burmese burundian ' +
  'cambodian cameroonian canadian chadian chilean chinese colombian congolese croatian cuban cypriot ' +
  'czech danish djiboutian dominican dutch ecuadorean ecuadorian egyptian emirati eritrean estonian ' +
  'ethiopian fijian filipino finnish french gabonese gambian georgian german ghanaian greek ' +
  'greenlander grenadian guatemalan guinean guyanese haitian honduran hungarian icelandic indian ' +
  'indonesian iranian iraqi irish israeli italian ivorian jamaican japanese jordanian kazakh kenyan ' +
  'korean kosovar kuwaiti kyrgyz lao laotian latvian lebanese liberian libyan lithuanian ' +
  'luxembourgish macedonian malagasy malawian malaysian maldivian malian maltese mauritanian ' +
  'mauritian mexican moldovan monegasque mongolian montenegrin moroccan mozambican namibian nepalese ' +
  'nepali nicaraguan nigerian nigerien norwegian omani pakistani palestinian panamanian paraguayan ' +
  'peruvian polish portuguese qatari romanian russian rwandan salvadoran samoan saudi scottish ' +
  'senegalese serbian singaporean slovak slovakian slovenian somali spanish sudanese surinamese ' +
  'swedish swiss syrian taiwanese tajik tanzanian thai togolese tongan trinidadian tunisian turkish ' +
  'turkmen ugandan ukrainian uruguayan uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean ' +
  'arab asian african european latino hispanic jewish muslim christian catholic protestant hindu ' +
  'buddhist sikh shia shiite shiis sunni englishman englishmen'
).split(' ');
const NRP_RE = new RegExp(
  `(?<![\\p{L}\\p{N}\\-(])(?:${WORDS.join('|')})(?:e?s)?(?![\\p{L}\\p{N}\\-)])(?! ?\\d)(?! (?:Republic|Union|Islands?|Kingdom|Federation|Emirates|Guinea|Samoa|Sea|Ocean|Alps)\\b)`,
  'iuy',
);

// The alternation is costly at every word, so it runs only where it can match. A match is a whole
// run of letters and digits (the lookarounds exclude both on either side). A run of ASCII letters
// and digits can only be a listed word with its plural ending; the run's length and first three
// letters rule out most words before the exact Set lookup. A run with non-ASCII characters goes to
// the regex at each letter that starts it or follows a non-ASCII character: under /iu exactly two
// non-ASCII characters fold onto ASCII letters (U+017F is s, U+212A is k), so they count as letters.
const FORMS = new Set(WORDS.flatMap((w) => [w, `${w}s`, `${w}es`]));
const MIN_FORM = Math.min(...[...FORMS].map((f) => f.length));
const MAX_FORM = Math.max(...[...FORMS].map((f) => f.length));
const key = (len: number, c0: number, c1: number): number => (len * 26 + (c0 - 97)) * 26 + (c1 - 97);
// Per length and first two letters, a bit per third letter.
const PREFIX = new Uint32Array((MAX_FORM + 1) * 26 * 26);
for (const f of FORMS) PREFIX[key(f.length, f.charCodeAt(0), f.charCodeAt(1))]! |= 1 << (f.charCodeAt(2) - 97);
const isLower = (c: number): boolean => c >= 97 && c <= 122;
const foldsToLetter = (c: number): boolean => isLower(c | 32) || c === 0x17f || c === 0x212a;
// 1 for the characters a run is made of: ASCII letters and digits (non-ASCII is tested apart).
const ALNUM = new Uint8Array(128);
for (let c = 0; c < 128; c++) ALNUM[c] = /[A-Za-z0-9]/.test(String.fromCharCode(c)) ? 1 : 0;

/** Candidate starts in the run of word characters text[start, end). */
function runStarts(text: string, start: number, end: number, ascii: boolean, out: number[]): void {
  if (!ascii) {
    for (let p = start; p < end; p++) if ((p === start || text.charCodeAt(p - 1) >= 128) && foldsToLetter(text.charCodeAt(p))) out.push(p);
    return;
  }
  const len = end - start;
  if (len < MIN_FORM || len > MAX_FORM) return;
  const c0 = text.charCodeAt(start) | 32;
  const c1 = text.charCodeAt(start + 1) | 32;
  const c2 = text.charCodeAt(start + 2) | 32;
  if (!isLower(c0) || !isLower(c1) || !isLower(c2) || ((PREFIX[key(len, c0, c1)]! >>> (c2 - 97)) & 1) === 0) return;
  if (FORMS.has(text.slice(start, end).toLowerCase())) out.push(start);
}

function nrpStarts(text: string): number[] {
  const out: number[] = [];
  const n = text.length;
  let start = -1;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || ALNUM[c] === 1) {
      if (start < 0) {
        start = i;
        ascii = true;
      }
      if (c >= 128) ascii = false;
    } else if (start >= 0) {
      runStarts(text, start, i, ascii, out);
      start = -1;
    }
  }
  if (start >= 0) runStarts(text, start, n, ascii, out);
  return out;
}

export const nrpRecognizer: Recognizer = {
  type: 'NRP',
  find: (text) => scanAt(text, NRP_RE, nrpStarts(text), (m) => ({ type: 'NRP', start: m.index, end: m.index + m[0].length, confidence: 0.7 })),
};
