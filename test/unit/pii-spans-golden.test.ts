// The PII detector's spans over a fixed seeded corpus with a stand-in token model
// (helpers/pii-span-digest.ts) must stay exactly as recorded: speed-ups of the code after the
// model (BIO merge, name/address/layout repairs, recognizers) change no span, type or confidence.
// The digest was recorded with the code before the speed-up of 2026-12 and matched after it; a
// change that means to move spans re-records it (print it with the test's console output).
import { describe, expect, it } from 'vitest';
import { createPiiDetector } from '../../src/classify/pii/detector.ts';
import { piiSpanDigest } from './helpers/pii-span-digest.ts';

// Re-recorded 2026-12-06 for the span rules of that day (weak spans no longer block name growth,
// name-joins.ts, full stops, unit lines, place qualifiers, digit-only addresses under phones, card
// run-on lines; each has a test in pii-span-rules.test.ts): 16936 -> 17059 spans.
// Re-recorded 2026-12-07 for IBAN lengths by country (checksums.ts): 1 text differs, its IBAN no longer
// takes the words after it ("DE89 3704 0044 0532 0130 00 DNA The" -> "... 00"); 17059 spans. Again for
// phone numbers with one kind of separator (pii-phone-tables.test.ts): 34 texts differ, a phone span no
// longer takes a number beside it ("98 555-123-4567" -> "555-123-4567", "5 555-123-4567" leaving
// "Suite 5" whole): 17059 -> 17068 spans. Again for spaced number lists (number-lists.ts): 12 texts
// differ, each by a PHONE_NUMBER piece of a card or IBAN run dropped ("4111 1111 1111" before
// "1111"; one stand-in model span takes the freed digits): 17068 -> 17056 spans. Again for what a
// recognizer leaves of a model phone or SSN span (detector.ts: it must still hold the type's digits):
// 26 texts differ, each by such a leftover dropped ("Jones", "Apt", "12345" as PHONE_NUMBER, "2965" as
// US_SSN): 17056 -> 17030 spans.
const GOLDEN = { digest: 'c3dbf64ef55f32269be4bfabc4fc29e76024d8a7f0a2f37951140c1c68b63f7b', texts: 3000, spans: 17030 };

describe('PII detector spans (golden digest)', () => {
  it('reports the recorded spans over the seeded corpus', async () => {
    const got = await piiSpanDigest(createPiiDetector);
    if (got.digest !== GOLDEN.digest) console.log('pii span digest now', got);
    expect(got).toEqual(GOLDEN);
  });
});
