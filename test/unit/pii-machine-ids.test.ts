// A machine identifier (MAC address, UUID, hex digest) is none of the PII types: the per-token model,
// which never saw one in training, reads its digit groups as clock times or numbers
// ("f4:45:f2:47:17:27" gave DATE_TIME "45" and "47:17:"), so model spans inside one are dropped.
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/classify/featurizers/token-features.ts';
import { createPiiDetector } from '../../src/classify/pii/detector.ts';
import type { TokenClassifier, TokenPrediction } from '../../src/classify/types.ts';

/** Tags every token with a digit as DATE_TIME, the real model's mistake on these ids. */
const digitsAsDates: TokenClassifier = {
  name: 'fake',
  labels: ['O', 'B-DATE_TIME', 'I-DATE_TIME', 'B-PERSON', 'I-PERSON'],
  threshold: 0.5,
  async predict(text: string): Promise<TokenPrediction[]> {
    return tokenize(text, 512).tokens.map((t) => ({ start: t.start, end: t.end, label: /\d/.test(t.text) ? 'B-DATE_TIME' : t.text === 'Ann' ? 'B-PERSON' : 'O', confidence: 0.99 }));
  },
};

async function found(text: string): Promise<Array<[string, string]>> {
  const det = createPiiDetector(digitsAsDates, { name: 'pii', threshold: 0.5 });
  return (await det.detect(text)).map((e) => [e.type, text.slice(e.start, e.end)]);
}

describe('model spans inside machine identifiers', () => {
  it.each([
    ['from your address f4:45:f2:47:17:27?', 'MAC address, colons'],
    ['device F4-45-F2-47-17-27 is offline', 'MAC address, dashes, capitals'],
    ['switch port 0a1b.2c3d.4e5f flapped', 'MAC address, Cisco dots'],
    ['request 123e4567-e89b-12d3-a456-426614174000 failed', 'UUID'],
    ['commit 8f883bb1234d9 broke it', 'hex digest'],
  ])('%s (%s): nothing', async (text) => {
    expect(await found(text)).toEqual([]);
  });

  it('numbers outside such tokens, and tokens that are not identifiers, are still read', async () => {
    expect(await found('Ann came at 1715 to f4:45:f2:47:17:27')).toEqual([['PERSON', 'Ann'], ['DATE_TIME', '1715']]);
    // All digits, no hex letter: a number, not an identifier.
    expect(await found('ticket 123456789012 closed')).toEqual([['DATE_TIME', '123456789012']]);
  });
});
