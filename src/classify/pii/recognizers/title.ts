import { scan, type Recognizer } from './types.ts';

// Honorifics before a capitalised name; Presidio labels "Mr." as TITLE and the name after it as
// PERSON. "Dr." after a capitalised word is usually a street ("Heritage Dr. Suite 5"), not a title.
const TITLE_RE = /(?<![\p{L}\p{N}.])(?:Mr|Mrs|Ms|Mx|Miss|Prof|(?<!\p{Lu}\p{Ll}{1,30} )Dr)\.?(?= \p{Lu})/gu;

export const titleRecognizer: Recognizer = {
  type: 'TITLE',
  find: (text) => scan(text, TITLE_RE, (m) => ({ type: 'TITLE', start: m.index, end: m.index + m[0].length, confidence: 0.85 })),
};
