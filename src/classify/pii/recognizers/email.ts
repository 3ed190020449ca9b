import { scan, type Recognizer } from './types.ts';

// Local part starts only where no local-part character precedes it, so a long run of letters is
// scanned once, not once per start position.
const EMAIL_RE =
  /(?<![\p{L}\p{N}._%+\-])[\p{L}\p{N}._%+\-]{1,64}@[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,62}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,62}[\p{L}\p{N}])?){0,8}\.\p{L}{2,24}(?![\p{L}\p{N}\-@])/gu;

export const emailRecognizer: Recognizer = {
  type: 'EMAIL_ADDRESS',
  // Most texts hold no '@', and the regex tries every position before it can tell.
  find: (text) =>
    !text.includes('@') ? [] : scan(text, EMAIL_RE, (m) => {
      let start = m.index;
      // A local part never starts with a dot; trim leading punctuation picked up from the text.
      while (start < m.index + m[0].length && '._%+-'.includes(text[start]!)) start++;
      if (text[start] === '@') return null;
      return { type: 'EMAIL_ADDRESS', start, end: m.index + m[0].length, confidence: 1 };
    }),
};
