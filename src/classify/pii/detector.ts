// PII detector: token model spans (BIO-merged) + deterministic recognizers, with the vLLM Semantic
// Router's type names (see type-names.ts). Recognizers win every overlap: a checksummed card
// number or a parsed address is better evidence than a per-token guess. For the closed formats
// (email, card, IBAN, IP, URL) only recognizers report: a per-token model fires on fragments of
// user agents and MAC addresses. Open formats (phone numbers, SSNs without dashes) are also
// taken from the model when no recognizer fired there and the span has enough digits.
// Model spans then go through repairs that fix the per-token model's boundary errors and map
// Presidio's labelling conventions (name-repair, span-edges, address-lines, address-blocks,
// card-layout; each file says what it does and on what evidence), and a plausibility filter.
import type { PiiDetector, PiiEntity, TokenClassifier } from '../types.ts';
import { mergeBio, type JoinGaps } from './bio.ts';
import { repairNames } from './name-repair.ts';
import { joinNameNeighbours } from './name-joins.ts';
import { cleanEdges, dropFullStop, implausible } from './span-edges.ts';
import { repairAddressLines } from './address-lines.ts';
import { cornerAddresses, joinInlinePlaces, layoutAddressBlocks } from './address-blocks.ts';
import { cardName, cardOrganizations } from './card-layout.ts';
import { labelledAddresses } from './address-label.ts';
import { PATTERN_TYPES, runRecognizers } from './recognizers/index.ts';
import { numberList } from './recognizers/number-lists.ts';
import { parseTag } from './type-names.ts';

const PATTERN_ONLY = new Set(['EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'IP_ADDRESS', 'DOMAIN_NAME']);
const MIN_DIGITS: Record<string, number> = { PHONE_NUMBER: 7, US_SSN: 9 };

function plausible(text: string, e: PiiEntity): boolean {
  if (PATTERN_ONLY.has(e.type)) return false;
  const need = MIN_DIGITS[e.type];
  if (need === undefined) return true;
  // The model reads a spaced list of numbers as a phone as the phone recognizer did ("rows 12 34 56 78
  // 90"); the same list rules keep it out (number-lists.ts).
  if (e.type === 'PHONE_NUMBER' && numberList(text, e.start, e.end)) return false;
  let n = 0;
  for (let i = e.start; i < e.end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n >= need;
}

// A pattern span at the edge of a model span is split off it ("Mr. Smith" -> TITLE "Mr." +
// PERSON "Smith") when what remains still holds a letter or digit; any other overlap drops it.
const WORDY = /[\p{L}\p{N}]/u;

function trimmed(text: string, e: PiiEntity, p: PiiEntity): PiiEntity | null {
  let { start, end } = e;
  if (p.start <= start && p.end < end) start = p.end;
  else if (p.end >= end && p.start > start) end = p.start;
  else return null;
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return WORDY.test(text.slice(start, end)) ? { ...e, start, end } : null;
}

function weakPhoneInAddress(text: string, p: PiiEntity, model: PiiEntity[]): boolean {
  if (p.type !== 'PHONE_NUMBER' || p.confidence >= 0.85) return false;
  const sa = model.filter((e) => e.type === 'STREET_ADDRESS' && e.start < p.end && e.end > p.start);
  if (sa.length === 0) return false;
  const start = Math.min(...sa.map((e) => e.start)), end = Math.max(...sa.map((e) => e.end));
  // An "address" that is exactly the number and has no letters ("Fax: [9498777106]") is no evidence against a phone.
  if (start === p.start && end === p.end && !/\p{L}/u.test(text.slice(start, end))) return false;
  return start <= p.start && end >= p.end;
}

/** Model spans outside every pattern span (trimmed at the edges); both inputs sorted by start, patterns disjoint. */
function withoutOverlaps(text: string, model: PiiEntity[], patterns: PiiEntity[]): PiiEntity[] {
  const out: PiiEntity[] = [];
  let j = 0;
  for (const e of model) {
    while (j < patterns.length && patterns[j]!.end <= e.start) j++;
    let cur: PiiEntity | null = e;
    for (let k = j; cur && k < patterns.length && patterns[k]!.start < cur.end; k++) {
      if (patterns[k]!.end > cur.start) cur = trimmed(text, cur, patterns[k]!);
    }
    // What is left of a phone or SSN must still hold its digits: "+1 415 555 2671 24 hrs" read whole by
    // the model loses the recognizer's number and leaves "24", no phone.
    if (cur && (cur === e || plausible(text, cur))) out.push(cur);
  }
  return out;
}

export function createPiiDetector(model: TokenClassifier | undefined, opts: { name: string; threshold: number; joinGaps?: JoinGaps }): PiiDetector {
  const modelTypes = (model?.labels ?? []).map((l) => parseTag(l).type).filter((t): t is string => t !== null);
  const types = [...new Set([...modelTypes, ...PATTERN_TYPES])].sort();
  return {
    name: opts.name,
    types,
    async detect(text: string, call?: { threshold?: number }): Promise<PiiEntity[]> {
      if (typeof text !== 'string' || text.length === 0) return [];
      const t = call?.threshold ?? opts.threshold;
      const threshold = Number.isFinite(t) ? t : opts.threshold;
      const patterns: PiiEntity[] = runRecognizers(text, threshold).map((m) => ({ ...m, source: 'pattern' as const }));
      if (!model) return patterns;
      const tokens = await model.predict(text);
      const merged = mergeBio(tokens, text, opts.joinGaps);
      const repaired = repairNames(text, tokens, merged, threshold);
      const cleaned = joinNameNeighbours(text, repaired.map((e) => cleanEdges(text, e)).filter((e): e is PiiEntity => e !== null), threshold);
      const laidOut = labelledAddresses(text, cornerAddresses(text, joinInlinePlaces(text, repairAddressLines(text, layoutAddressBlocks(text, cleaned))))).map((e) => dropFullStop(text, e));
      const predicted = laidOut
        .filter((e) => !implausible(text, e, laidOut))
        .filter((e) => e.confidence >= threshold && plausible(text, e))
        .sort((a, b) => a.start - b.start);
      // A bare digit run inside an address ("3378 217 Lovers Lane") reads as a weak phone match;
      // the address spans are the better reading there.
      const kept = predicted.some((e) => e.type === 'STREET_ADDRESS') ? patterns.filter((p) => !weakPhoneInAddress(text, p, predicted)) : patterns;
      const all = [...kept, ...withoutOverlaps(text, predicted, kept)].sort((a, b) => a.start - b.start || a.end - b.end);
      return cardOrganizations(text, cardName(text, all));
    },
  };
}
