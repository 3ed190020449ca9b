// PII detector: token model spans (BIO-merged) + deterministic recognizers, with the vLLM Semantic
// Router's type names (see type-names.ts). Recognizers win every overlap: a checksummed card
// number or a parsed address is better evidence than a per-token guess. For the closed formats
// (email, card, IBAN, IP, URL) only recognizers report: a per-token model fires on fragments of
// user agents and MAC addresses. Open formats (phone numbers, SSNs without dashes) are also
// taken from the model when no recognizer fired there and the span has enough digits.
import type { PiiDetector, PiiEntity, TokenClassifier } from '../types.ts';
import { mergeBio } from './bio.ts';
import { PATTERN_TYPES, runRecognizers } from './recognizers/index.ts';
import { parseTag } from './type-names.ts';

const PATTERN_ONLY = new Set(['EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'IP_ADDRESS', 'DOMAIN_NAME']);
const MIN_DIGITS: Record<string, number> = { PHONE_NUMBER: 7, US_SSN: 9 };

function plausible(text: string, e: PiiEntity): boolean {
  if (PATTERN_ONLY.has(e.type)) return false;
  const need = MIN_DIGITS[e.type];
  if (need === undefined) return true;
  let n = 0;
  for (let i = e.start; i < e.end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n >= need;
}

/** Model spans that overlap no pattern span; both inputs sorted by start, patterns disjoint. */
function withoutOverlaps(model: PiiEntity[], patterns: PiiEntity[]): PiiEntity[] {
  const out: PiiEntity[] = [];
  let j = 0;
  for (const e of model) {
    while (j < patterns.length && patterns[j]!.end <= e.start) j++;
    const p = patterns[j];
    if (!p || p.start >= e.end) out.push(e);
  }
  return out;
}

export function createPiiDetector(model: TokenClassifier | undefined, opts: { name: string; threshold: number }): PiiDetector {
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
      const predicted = mergeBio(await model.predict(text), text)
        .filter((e) => e.confidence >= threshold && plausible(text, e))
        .sort((a, b) => a.start - b.start);
      return [...patterns, ...withoutOverlaps(predicted, patterns)].sort((a, b) => a.start - b.start || a.end - b.end);
    },
  };
}
