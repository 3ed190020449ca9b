// All deterministic recognizers, and the overlap rule between them: on overlapping spans the
// recognizer earlier in PRIORITY wins (checksummed types first, then the most specific formats).
import { ageRecognizer } from './age.ts';
import { creditCardRecognizer } from './credit-card.ts';
import { dateTimeRecognizer } from './date-time.ts';
import { domainRecognizer } from './domain.ts';
import { emailRecognizer } from './email.ts';
import { ibanRecognizer } from './iban.ts';
import { ipAddressRecognizer } from './ip-address.ts';
import { nrpRecognizer } from './nrp.ts';
import { phoneRecognizer } from './phone.ts';
import { titleRecognizer } from './title.ts';
import { usSsnRecognizer } from './us-ssn.ts';
import type { PatternMatch, Recognizer } from './types.ts';

export type { PatternMatch, Recognizer } from './types.ts';

export const RECOGNIZERS: readonly Recognizer[] = [
  emailRecognizer,
  // Before cards: a valid IBAN (its country's length and mod-97) holds digit groups that can pass Luhn
  // ("BE68 5390 0754 7034": "5390 0754 7034" is a valid card number), and the IBAN is the reading.
  ibanRecognizer,
  creditCardRecognizer,
  domainRecognizer,
  ipAddressRecognizer,
  usSsnRecognizer,
  dateTimeRecognizer,
  phoneRecognizer,
  ageRecognizer,
  titleRecognizer,
  nrpRecognizer,
];

export const PATTERN_TYPES: readonly string[] = RECOGNIZERS.map((r) => r.type);

/** Non-overlapping matches of all recognizers (at or above `minConfidence`), sorted by start. */
export function runRecognizers(text: string, minConfidence = 0): PatternMatch[] {
  const kept: PatternMatch[] = [];
  // Character occupancy instead of pairwise checks: linear in the matched text even when a
  // megabyte of input yields a hundred thousand matches.
  let taken: Uint8Array | undefined;
  for (const r of RECOGNIZERS) {
    for (const m of r.find(text)) {
      if (m.confidence < minConfidence || m.end <= m.start) continue;
      taken ??= new Uint8Array(text.length);
      let free = true;
      for (let i = m.start; i < m.end && free; i++) free = taken[i] === 0;
      if (!free) continue;
      taken.fill(1, m.start, m.end);
      kept.push(m);
    }
  }
  return kept.sort((a, b) => a.start - b.start || b.end - a.end);
}
