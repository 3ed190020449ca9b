import type { PatternMatch, Recognizer } from './types.ts';

// Local part starts only where no local-part character precedes it, so a long run of letters is
// scanned once, not once per start position.
const EMAIL_RE =
  /(?<![\p{L}\p{N}._%+\-])[\p{L}\p{N}._%+\-]{1,64}@[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,62}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,62}[\p{L}\p{N}])?){0,8}\.\p{L}{2,24}(?![\p{L}\p{N}\-@])/gu;
// A match has its '@' at most 64 code points (128 UTF-16 units) after its start, so the regex
// need not look further back than that from the next '@'; most texts hold none, and then it does
// not run at all.
const LOCAL_REACH = 128;

export const emailRecognizer: Recognizer = {
  type: 'EMAIL_ADDRESS',
  find: (text) => {
    const out: PatternMatch[] = [];
    // scan()'s loop, with each search started just before the next '@' instead of at `from`.
    let from = 0;
    for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', from)) {
      EMAIL_RE.lastIndex = Math.max(from, at - LOCAL_REACH);
      const m = EMAIL_RE.exec(text);
      if (m === null) break;
      let start = m.index;
      const end = m.index + m[0].length;
      // A local part never starts with a dot; trim leading punctuation picked up from the text.
      while (start < end && '._%+-'.includes(text[start]!)) start++;
      if (text[start] === '@') {
        from = m.index + 1;
        continue;
      }
      out.push({ type: 'EMAIL_ADDRESS', start, end, confidence: 1 });
      from = end;
    }
    return out;
  },
};
