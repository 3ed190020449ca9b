// The scan budget: how much text one request may make the guards classify. Every guarded text costs
// one classifier call per window, so a request with megabytes of text or thousands of messages would
// otherwise buy unbounded CPU. Past the budget the answer is defined by `onExceed`:
//   'block' (default, fail closed): the request is refused (HTTP 413, OpenAI-shaped error), because an
//           unscanned text could carry the injection or the personal data;
//   'allow' (fail open): the texts scanned so far decide; the rest is forwarded unscanned.
// Texts are scanned newest first, so under 'allow' the part a model weighs most is always covered.

export interface ScanBudget {
  /** Most characters of text classified per request and scan, over all texts (a window's overlap with
   *  the previous one is not counted again, so the figure in the 413 message is the text's length). */
  maxChars: number;
  /** Most texts (message contents, content parts, tool results) scanned per request. */
  maxTexts: number;
  onExceed: 'block' | 'allow';
}

// Measured on one shared CPU core (hashed n-gram jailbreak pack ~0.15 us/char + ~0.1 ms/text; token
// PII pack ~4-6 us/char; windows overlap by a quarter, so up to 4/3 reads per character): the
// jailbreak defaults cost at most ~0.45 s, the PII default ~1.6 s.
export const DEFAULT_BUDGET: ScanBudget = { maxChars: 1_000_000, maxTexts: 2_000, onExceed: 'block' };
export const DEFAULT_PII_MAX_CHARS = 200_000;

/** Mutable meter shared by the scans of one request. */
export class BudgetMeter {
  chars = 0;
  texts = 0;
  exceeded = false;
  constructor(readonly budget: ScanBudget) {}

  /** Reserve one text; false (and `exceeded` set) when the budget has no room for it. */
  takeText(): boolean {
    if (this.texts + 1 > this.budget.maxTexts) return this.fail();
    this.texts++;
    return true;
  }

  /** Reserve `n` characters of classification; false when they do not fit. */
  takeChars(n: number): boolean {
    if (this.chars + n > this.budget.maxChars) return this.fail();
    this.chars += n;
    return true;
  }

  /** Whether `texts` more texts of `chars` characters in all would still fit (nothing is reserved). */
  fits(texts: number, chars: number): boolean {
    return this.texts + texts <= this.budget.maxTexts && this.chars + chars <= this.budget.maxChars;
  }

  private fail(): false {
    this.exceeded = true;
    return false;
  }
}

/**
 * Window size in characters for a pack whose manifest says `max_length` positions. Every token or
 * n-gram position covers at least one character, so a window of max_length characters (less a few
 * positions for special tokens) is never cut by the pack. Packs whose positions are longer (words,
 * BERT word pieces) read less than they could per window; the scan stays complete, which is the point.
 * A window the pack still reports as truncated is halved and rescanned (jailbreak.ts).
 */
export function windowCharsFor(maxLength: number | undefined): number {
  if (!maxLength || !Number.isFinite(maxLength) || maxLength <= 0) return 2_048;
  return Math.max(64, Math.floor(maxLength) - 8);
}
