// The deterministic recognizers' spans over a fixed seeded corpus (helpers/pii-recognizer-digest.ts)
// must stay exactly as recorded: both what runRecognizers keeps and every recognizer's own
// candidates before the overlap rule. The digest was recorded with the recognizers before their
// anchored-regex speed-up of 2026-12 and matched after it; a change that means to move spans
// re-records it (print it with the test's console output).
import { describe, expect, it } from 'vitest';
import { RECOGNIZERS, runRecognizers } from '../../src/classify/pii/recognizers/index.ts';
import { recognizerDigest } from './helpers/pii-recognizer-digest.ts';

// Re-recorded 2026-12-07 for IBAN lengths by country (checksums.ts; pii-iban-lengths.test.ts): 10 texts
// differ, all IBAN spans that took a word after them or a glued "Dr" that kept mod-97 by chance
// ("DE89 3704 0044 0532 0130 00 Dr" -> "... 00"): 18956 -> 18948 spans. Again the same day for phone
// numbers with one kind of separator (pii-phone-tables.test.ts): 93 texts differ, a phone span that
// took a number beside it with another separator ("555-123-4567 14", "1.2.33 555-123-4567") now ends
// at its own groups or is dropped ("1977 1.2.33"): 18948 -> 18916 spans. And for IBANs ahead of cards
// in RECOGNIZERS: the candidates are listed in that order, no span moves (18916). Re-recorded 2026-12-07
// late for spaced number lists (number-lists.ts; pii-number-lists.test.ts): 330 texts differ, only by
// 352 PHONE_NUMBER spans dropped, every one a phone-shaped piece of a longer run of digit groups
// ("3704 0044 0532" of an IBAN glued to a word, "4111 1111 1111" of a card, "1111 1111" between card
// groups); candidates included 18916 -> 17708 spans.
const GOLDEN = { digest: '99e593ec9219739e518cb182b93668e04e9da4e338c01dd1b0a3012b0e58a5c8', texts: 5000, spans: 17708 };

describe('PII recognizer spans (golden digest)', () => {
  it('reports the recorded spans over the seeded corpus', () => {
    const got = recognizerDigest((text) => [...runRecognizers(text), ...RECOGNIZERS.flatMap((r) => r.find(text))]);
    if (got.digest !== GOLDEN.digest) console.log('pii recognizer digest now', got);
    expect(got).toEqual(GOLDEN);
  });
});
