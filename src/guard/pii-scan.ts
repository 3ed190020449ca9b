// PII scan and masking shared by the gateway PII stage, the classification API (/pii) and ext_proc.
// Long texts are scanned in overlapping windows (the overlap is longer than any entity the recognizers
// know, so an entity on a cut lies whole in the next window); entities found twice are merged.
import type { PiiDetector, PiiEntity } from '../classify/types.ts';
import { BudgetMeter, DEFAULT_BUDGET } from './budget.ts';
import { splitWindows } from './windows.ts';
import { canonicalPlaceholder, collectPlaceholders } from './placeholders.ts';
import { foldWithOffsets } from './normalize.ts';

export interface PiiScanOptions {
  /** Per-entity confidence cut (classifier.pii_model.threshold). */
  threshold?: number;
  /** Keep only these types (the API's `entity_types`); all types when absent or empty. */
  types?: readonly string[];
  /** Window size in characters (the stage derives it from the pack's max_length). The default fits
   *  any pack of max_length >= 512: a token covers at least one character. */
  windowChars?: number;
  /** Overlap between windows: longer than the longest entity expected (default a quarter window, at most 256). */
  overlapChars?: number;
  /** Shared with the jailbreak scan of the same request; when it runs out, later texts get no entities
   *  and `meter.exceeded` is set: the caller decides (budget.ts). */
  meter?: BudgetMeter;
}

const NOT_PII = new Set(['NO_PII', 'O', '']);
export const DEFAULT_PII_WINDOW = 504;

/** Detect PII in each text; result is index-aligned with `texts`; offsets are into the full text. */
export async function scanPii(detector: PiiDetector, texts: string[], opts: PiiScanOptions = {}): Promise<PiiEntity[][]> {
  const windowChars = Math.max(64, Math.floor(opts.windowChars ?? DEFAULT_PII_WINDOW));
  const overlap = Math.min(Math.floor(windowChars / 2), opts.overlapChars ?? Math.min(256, Math.floor(windowChars / 4)));
  const meter = opts.meter ?? new BudgetMeter(DEFAULT_BUDGET);
  const keep = opts.types && opts.types.length ? new Set(opts.types.map((t) => t.toUpperCase())) : undefined;
  const threshold = opts.threshold;
  const out: PiiEntity[][] = texts.map(() => []);
  // Under 'block' texts that cannot all fit are refused whatever a scan would find (the stage and the
  // API answer 413, the cache store skips): scanning up to the budget first cost up to its whole work
  // (~0.2-1 s of one core for 200k characters, 2,000 detector calls for 100k tiny text parts) for a
  // request that was refused anyway. The scan below charges exactly these counts, so it fails exactly then.
  if (meter.budget.onExceed === 'block' && !meter.fits(...scanCost(texts))) {
    meter.exceeded = true;
    return out;
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string' || !texts[i]!.trim()) continue;
    if (meter.exceeded || !meter.takeText()) break;
    // Read as the model reads it (zero-width characters, fullwidth forms folded: normalize.ts);
    // what is found is mapped back to the text as sent, which is what redaction masks.
    // A text far past the budget left (only under on_exceed: allow) is folded as far as the budget
    // could read; the rest stays unscanned and the meter says so.
    const cap = (meter.budget.maxChars - meter.chars) * 4 + 4096;
    const cut = texts[i]!.length > cap;
    const folded = foldWithOffsets(cut ? texts[i]!.slice(0, cap) : texts[i]!);
    const text = folded?.text ?? texts[i]!;
    const found: PiiEntity[] = [];
    let charged = 0;
    for (const w of splitWindows(text, windowChars, overlap)) {
      // The budget counts text, not window reads: the overlap with the previous window is free.
      if (!meter.takeChars(w.end - Math.max(w.start, charged))) break;
      charged = w.end;
      const part = await detector.detect(text.slice(w.start, w.end), threshold === undefined ? undefined : { threshold });
      for (const e of part) {
        if (NOT_PII.has(e.type)) continue;
        if (threshold !== undefined && e.confidence < threshold) continue;
        if (keep && !keep.has(e.type.toUpperCase())) continue;
        const start = e.start + w.start;
        const end = e.end + w.start;
        if (!folded || end <= start) found.push({ ...e, start, end });
        else found.push({ ...e, start: folded.starts[start]!, end: folded.ends[end - 1]! });
      }
    }
    if (folded && cut) meter.takeChars(Infinity);
    out[i] = mergeSameType(found);
  }
  return out;
}

/** Texts and characters the scan below charges: every text with something besides whitespace, whole
 *  (windows charge only what the previous one did not cover). */
function scanCost(texts: readonly unknown[]): [number, number] {
  let n = 0;
  let chars = 0;
  for (const t of texts) {
    if (typeof t !== 'string' || !t.trim()) continue;
    n++;
    chars += t.length;
  }
  return [n, chars];
}

/** One entity per stretch of text and type: windows overlap, so the same entity is often seen twice. */
export function mergeSameType(entities: PiiEntity[]): PiiEntity[] {
  const sorted = [...entities].sort((a, b) => a.type.localeCompare(b.type) || a.start - b.start);
  const out: PiiEntity[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last && last.type === e.type && e.start < last.end) {
      last.end = Math.max(last.end, e.end);
      last.confidence = Math.max(last.confidence, e.confidence);
      if (e.source === 'pattern') last.source = 'pattern';
    } else out.push({ ...e });
  }
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

/**
 * Numbering and value memory shared by the texts of one request, so the same address is
 * `<EMAIL_ADDRESS_1>` in every message and the restore map has one entry per value.
 * `restore` is the only place a request keeps PII values; it lives as long as the request.
 * `taken` holds the canonical form (placeholders.ts) of every placeholder-like literal the request
 * already has and of every placeholder made so far: a new one never reads like either, so restore
 * cannot turn the user's own `<EMAIL_ADDRESS_1>` into someone's address, or the reverse.
 */
export interface MaskState {
  counters: Map<string, number>;
  byValue: Map<string, string>;
  restore: Map<string, string>;
  taken: Set<string>;
}

/** `texts`: everything in the request the model will read (a body, its texts), searched for literals
 *  the new placeholders must not repeat. */
export function newMaskState(...texts: unknown[]): MaskState {
  const taken = new Set<string>();
  for (const t of texts) collectPlaceholders(t, taken);
  return { counters: new Map(), byValue: new Map(), restore: new Map(), taken };
}

/**
 * Replace each entity with a typed placeholder, e.g. "<EMAIL_ADDRESS_1>". Overlapping entities are
 * masked as one span (typed by the most confident), so no part of either leaks.
 */
export function maskText(
  text: string,
  entities: PiiEntity[],
  state: MaskState = newMaskState(),
  opts: { json?: boolean } = {},
): { masked: string; placeholders: Array<{ placeholder: string; type: string; start: number; end: number }> } {
  const placeholders: Array<{ placeholder: string; type: string; start: number; end: number }> = [];
  // A caller that scanned nothing (the classification API) still gets numbers free in this text.
  collectPlaceholders(text, state.taken);
  let out = '';
  let pos = 0;
  for (const span of mergeOverlaps(entities, text.length)) {
    // Values are kept as plain text: one found inside JSON (tool-call arguments) is decoded, so it
    // restores right into content and is escaped once into arguments (redaction.ts jsonEscaped).
    const raw = text.slice(span.start, span.end);
    const value = opts.json ? jsonDecoded(raw) : raw;
    const key = `${span.type}\u0000${value}`;
    let placeholder = state.byValue.get(key);
    if (!placeholder) {
      const type = placeholderType(span.type);
      let n = state.counters.get(type) ?? 0;
      do n++;
      while (state.taken.has(canonicalPlaceholder(`${type}_${n}`)));
      state.counters.set(type, n);
      placeholder = `<${type}_${n}>`;
      state.taken.add(canonicalPlaceholder(placeholder));
      state.byValue.set(key, placeholder);
      state.restore.set(placeholder, value);
    }
    out += text.slice(pos, span.start) + placeholder;
    placeholders.push({ placeholder, type: span.type, start: span.start, end: span.end });
    pos = span.end;
  }
  return { masked: out + text.slice(pos), placeholders };
}

/** JSON string content as the text it stands for; a span cut inside an escape stays as it was. */
function jsonDecoded(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    const v: unknown = JSON.parse(`"${raw}"`);
    return typeof v === 'string' ? v : raw;
  } catch {
    return raw;
  }
}

function mergeOverlaps(entities: PiiEntity[], len: number): Array<{ type: string; start: number; end: number }> {
  const spans = entities
    .map((e) => ({ type: e.type, start: Math.max(0, e.start), end: Math.min(len, e.end), confidence: e.confidence }))
    .filter((e) => e.end > e.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const out: typeof spans = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      if (s.confidence > last.confidence) {
        last.type = s.type;
        last.confidence = s.confidence;
      }
      last.end = Math.max(last.end, s.end);
    } else out.push({ ...s });
  }
  return out;
}

/** Placeholders stay `<UPPER_SNAKE_N>` whatever a pack calls its types, so restore can find them. */
function placeholderType(type: string): string {
  return type.toUpperCase().replace(/[^A-Z0-9_]/g, '_') || 'PII';
}
