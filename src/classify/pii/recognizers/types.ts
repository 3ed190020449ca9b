// A deterministic recognizer finds spans of one PII type with regexes plus a validator (checksum,
// range checks). Every regex here is linear-time on any input: starts are pinned by a lookbehind
// and every repetition is bounded, so 1 MB of adversarial text cannot trigger backtracking blowups.
export interface PatternMatch {
  type: string;
  start: number;
  end: number;
  confidence: number;
}

export interface Recognizer {
  readonly type: string;
  find(text: string): PatternMatch[];
}

/** True when one of `words` occurs in the `window` characters before `start` (Presidio-style context). */
export function hasContext(text: string, start: number, words: RegExp, window = 48): boolean {
  return words.test(text.slice(Math.max(0, start - window), start));
}

/** Collect matches of a global regex; `accept` validates and may adjust the span or drop it, or drop
 *  it with the index the scan goes on from (a number past the match's start). */
export function scan(
  text: string,
  re: RegExp,
  accept: (m: RegExpExecArray) => PatternMatch | null | number,
): PatternMatch[] {
  const out: PatternMatch[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const r = accept(m);
    if (typeof r === 'number') re.lastIndex = Math.max(r, m.index + 1);
    else if (r) out.push(r);
    // A rejected candidate may hide a valid one that starts inside it ("123-4567 4111 1111 1111
    // 1111" is no card, its tail is): resume right after its start. Lookbehinds keep that linear.
    else re.lastIndex = m.index + 1;
  }
  return out;
}
