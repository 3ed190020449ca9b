import { scan, type PatternMatch, type Recognizer } from './types.ts';

// An age is a bare number that the words around it call an age ("turned 34", "34 years old",
// "34-year-old", "aged 34", "34 y/o", "at the age of 34"). Presidio labels the number alone.
const AFTER_RE = /(?<![\p{L}\p{N}])(?:turned|turning|aged|age of|age:?|ages)\s{1,3}(\d{1,3})(?![\p{N}]|[.,]\d|\s?%)/giu;
const BEFORE_RE = /(?<![\p{L}\p{N}.,\-])(\d{1,3})(?:\s{0,2}|-)(?:years?|yrs?)(?:\s{1,2}|-)old\b|(?<![\p{L}\p{N}.,\-])(\d{1,3})\s?y\/?o\b/giu;

function at(m: RegExpExecArray, digits: string, confidence: number): PatternMatch | null {
  const n = Number(digits);
  if (n < 1 || n > 120) return null;
  const start = m.index + m[0].indexOf(digits);
  return { type: 'AGE', start, end: start + digits.length, confidence };
}

export const ageRecognizer: Recognizer = {
  type: 'AGE',
  find: (text) => [
    ...scan(text, BEFORE_RE, (m) => at(m, (m[1] ?? m[2])!, 0.9)),
    ...scan(text, AFTER_RE, (m) => at(m, m[1]!, 0.75)),
  ],
};
