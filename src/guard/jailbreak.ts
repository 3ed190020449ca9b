// Jailbreak scan shared by the gateway guard stage, the classification API (/security) and ext_proc.
// A text longer than the pack reads at once is scanned in overlapping windows, and the text's score
// is its worst window: an injection appended after pages of filler cannot hide behind the cut.
import type { ClassifyOptions, SequenceClassifier } from '../classify/types.ts';
import { BudgetMeter, DEFAULT_BUDGET } from './budget.ts';
import { splitWindows, windowOverlap } from './windows.ts';
import { guardText } from './normalize.ts';
import { hiddenTexts } from './hidden-text.ts';
import { jsonSays } from './json-text.ts';

export interface JailbreakVerdict {
  blocked: boolean;
  /** Label of the positive class that fired (e.g. "jailbreak"), or "benign". */
  type: string;
  /** Highest jailbreak probability seen over the texts. */
  confidence: number;
  /** Index into `texts` of the text that fired, when blocked. */
  textIndex?: number;
  /** Classifier calls made (one per window). */
  windows?: number;
  /** True when the scan budget ran out before every text was read (see budget.ts). */
  incomplete?: boolean;
}

export interface JailbreakScanOptions {
  /** Labels that count as an attack; a window's risk is the sum of their probabilities. Default ["jailbreak"]. */
  positiveLabels?: readonly string[];
  /** Window size in characters for long texts; default DEFAULT_JAILBREAK_WINDOW (the stage also caps it
   *  at the pack's max_length). */
  windowChars?: number;
  /** Overlap between windows; default a quarter of the window. */
  overlapChars?: number;
  /** Shared with the PII scan of the same request; a private default budget when absent. */
  meter?: BudgetMeter;
  /** Indexes of texts that are windows over texts already in the list (the joined user turns' windows
   *  across a turn boundary, turns.ts): they take no `max_texts` slot, their characters still count,
   *  and the encodings in them are not decoded again (each turn's own scan decodes them whole). */
  views?: ReadonlySet<number>;
}

const MIN_WINDOW = 64;

/**
 * Largest window the jailbreak scan uses by default, whatever the pack could read. Bag-of-n-gram packs
 * average over their input, so a short attack is diluted by the benign text around it (an injection
 * alone 1.000, after 800 characters of prose 0.814, after 3,200 0.656, under the 0.7 threshold).
 * 512 (quarter overlap) chosen over 1,024 / 768 / 384 / 256 on the train-side calibration slice,
 * scored by the pack's calibration model, which never trained on it (models/train/_jb-window-exp.ts):
 * attacks of <= 600 characters behind 300 / 600 / 1,200 characters of benign text caught 51 / 52 / 66%
 * (1,024: 38 / 32 / 39%), benign texts so padded flagged <= 0.8% (1,024: <= 1.8%), unpadded recall
 * 0.901 (0.897), FPR 0.009 for both, role-play 0 of 24 (1,024: 1). Dev split, shipped pack: F1 0.966
 * (0.964), FPR 0.018 (0.021), injection recall 27/39 for both, 1.33 classifier calls per text (1.13).
 */
export const DEFAULT_JAILBREAK_WINDOW = 512;

/** A letter or digit: a text without one is not scored (see scanJailbreak). */
const WORDY = /[\p{L}\p{N}]/u;

/**
 * Classify each non-empty text (in the order given: callers put the newest first), folded by
 * guardText; stop at the first whose risk reaches `threshold`. Classifier errors propagate: the caller owns fail-open/closed.
 */
export async function scanJailbreak(
  classifier: SequenceClassifier,
  texts: string[],
  threshold: number,
  opts: JailbreakScanOptions = {},
): Promise<JailbreakVerdict> {
  const positives = positiveIndexes(classifier.labels, opts.positiveLabels ?? ['jailbreak']);
  const windowChars = Math.max(MIN_WINDOW, Math.floor(opts.windowChars ?? DEFAULT_JAILBREAK_WINDOW));
  const overlap = opts.overlapChars ?? windowOverlap(windowChars);
  const meter = opts.meter ?? new BudgetMeter(DEFAULT_BUDGET);
  const scan: Scan = { classifier, positives, threshold, meter, windows: 0, incomplete: false };
  let best: JailbreakVerdict = { blocked: false, type: 'benign', confidence: 0 };

  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string' || !texts[i].trim()) continue;
    // Scored as the model reads it (normalize.ts): invisible characters, fullwidth letters and
    // look-alikes folded. The budget counts the folded text, cut once it is past what is left.
    // A JSON text by its keys and string values (json-text.ts): the pack reads prose, not braces.
    const text = guardText(jsonSays(texts[i]) ?? texts[i], meter.budget.maxChars - meter.chars);
    // A text with no letter or digit has no words for the pack, which scored "..." 0.966 and "```"
    // 0.785: it is not scored. What its encodings say (tag characters, base64, hex, escapes:
    // hidden-text.ts) is scored apart, also for a text that shows nothing (tag characters alone).
    const readable = WORDY.test(text);
    // Not decoded for a text the budget cannot take whole: its scan runs out anyway (budget.ts).
    const view = opts.views?.has(i) ?? false;
    const hiddenOnes = !view && texts[i].length <= meter.budget.maxChars - meter.chars ? hiddenTexts(texts[i]) : [];
    if (!readable && !hiddenOnes.length) continue;
    if (!view && !meter.takeText()) {
      scan.incomplete = true;
      break;
    }
    let hit = readable ? await scoreSpan(scan, text, windowChars, overlap) : undefined;
    for (const hidden of hit && hit.risk >= threshold ? [] : hiddenOnes) {
      const h = await scoreSpan(scan, guardText(hidden, meter.budget.maxChars - meter.chars), windowChars, overlap);
      if (h && (!hit || h.risk > hit.risk)) hit = h;
      if ((hit && hit.risk >= threshold) || scan.incomplete) break;
    }
    if (hit && hit.risk > best.confidence) {
      const blocked = hit.risk >= threshold;
      best = { blocked, type: blocked ? hit.type : 'benign', confidence: hit.risk, textIndex: i };
    }
    if (best.blocked || scan.incomplete) break;
  }
  // best is this scan's own object: extended in place, not spread into a new one (a spread followed
  // by properties costs 1-2 us on Node 20, bench/object-spread.ts). Same keys, same order.
  best.windows = scan.windows;
  best.incomplete = scan.incomplete || undefined;
  return best;
}

interface Hit {
  risk: number;
  type: string;
}

/** One scanJailbreak call: what every window is scored with, and the counters its windows update. */
interface Scan {
  classifier: SequenceClassifier;
  positives: Array<{ index: number; label: string }>;
  threshold: number;
  meter: BudgetMeter;
  windows: number;
  incomplete: boolean;
}

/** How a window of a longer text is classified: its pack alone, never co-run (types.ts ClassifyOptions). */
const WINDOW: ClassifyOptions = { part: true };

/** Worst window of `text`; undefined when the budget ran out before anything was classified. */
async function scoreSpan(scan: Scan, text: string, size: number, overlap: number, opts?: ClassifyOptions, charge = text.length): Promise<Hit | undefined> {
  if (text.length <= size) {
    if (!scan.meter.takeChars(charge)) {
      scan.incomplete = true;
      return undefined;
    }
    const r = await scan.classifier.classify(text, opts);
    scan.windows++;
    // The pack still cut this window (its tokens are shorter than our estimate): halve and rescan
    // rather than trust a score that never read the end of the text.
    if (r.truncated && text.length > MIN_WINDOW) {
      const half = Math.max(MIN_WINDOW, Math.floor(text.length / 2));
      return worst(await scanWindows(scan, text, half, Math.floor(half / 4), true), riskOf(r.probabilities, scan.positives));
    }
    return riskOf(r.probabilities, scan.positives);
  }
  return scanWindows(scan, text, size, overlap);
}

/** `paid`: the text was already charged (a rescan in halves); otherwise each window is charged its
 *  characters past the previous window: the budget counts text, not overlapping reads of it. */
async function scanWindows(scan: Scan, text: string, size: number, overlap: number, paid = false): Promise<Hit | undefined> {
  let best: Hit | undefined;
  let charged = paid ? text.length : 0;
  for (const w of splitWindows(text, size, overlap)) {
    const h = await scoreSpan(scan, text.slice(w.start, w.end), size, overlap, WINDOW, Math.max(0, w.end - Math.max(w.start, charged)));
    charged = Math.max(charged, w.end);
    best = worst(best, h);
    if ((best && best.risk >= scan.threshold) || scan.incomplete) break;
  }
  return best;
}

function worst(a: Hit | undefined, b: Hit | undefined): Hit | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.risk > a.risk ? b : a;
}

function riskOf(p: Float32Array, positives: Array<{ index: number; label: string }>): Hit {
  let risk = 0;
  let type = 'benign';
  let top = -1;
  for (const { index, label } of positives) {
    const v = p[index] ?? 0;
    risk += v;
    if (v > top) {
      top = v;
      type = label;
    }
  }
  return { risk: Math.min(1, risk), type };
}

/** Indexes of the positive labels, matched case-insensitively (packs spell them "jailbreak", "INJECTION", ...). */
export function positiveIndexes(labels: readonly string[], positive: readonly string[]): Array<{ index: number; label: string }> {
  const want = new Set(positive.map((l) => l.toLowerCase()));
  const out: Array<{ index: number; label: string }> = [];
  labels.forEach((l, index) => {
    if (want.has(l.toLowerCase())) out.push({ index, label: l });
  });
  return out;
}
