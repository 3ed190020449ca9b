// The scan budget: how much text one request may make the guards classify. Every guarded text costs
// one classifier call per window, so a request with megabytes of text or thousands of messages would
// otherwise buy unbounded CPU. Past the budget the answer is defined by `onExceed`:
//   'block' (default, fail closed): the request is refused (HTTP 413, OpenAI-shaped error), because an
//           unscanned text could carry the injection or the personal data;
//   'allow' (fail open): the texts scanned so far decide; the rest is forwarded unscanned.
// Texts are scanned newest first, so under 'allow' the part a model weighs most is always covered.

export interface ScanBudget {
  /** Most characters classified per request, over all texts and windows (overlaps included). */
  maxChars: number;
  /** Most texts (message contents, content parts, tool results) scanned per request. */
  maxTexts: number;
  onExceed: 'block' | 'allow';
}

export const DEFAULT_BUDGET: ScanBudget = { maxChars: 400_000, maxTexts: 1_000, onExceed: 'block' };

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

  private fail(): false {
    this.exceeded = true;
    return false;
  }
}

/** Windows of ~this many characters per max_length position: BERT-style tokens average ~4 characters. */
export const CHARS_PER_POSITION = 4;

/** Window size for a pack; `maxLength` is the pack's manifest max_length (positions or tokens). */
export function windowCharsFor(maxLength: number | undefined): number {
  if (!maxLength || !Number.isFinite(maxLength) || maxLength <= 0) return 2_048;
  return Math.max(64, Math.floor(maxLength * CHARS_PER_POSITION));
}
