// Mutation audit 5 of src/cache/word-swaps.ts, the rules the unit tests named but did not hold:
// "what company created you" / "... designed you" is a listed synonym, so no case showed that a word
// before an object pronoun is read as a verb (W34: that rule dropped). And the word after "what is" /
// "which is" is what is asked, also before a word both questions go on with (the integration test,
// cache-word-swaps-mut5, shows it through the gateway).
import { describe, expect, it } from 'vitest';
import { wordSwapped } from '../../src/cache/word-swaps.ts';
import { questionSignature } from '../../src/cache/word-order.ts';

const swapped = (a: string, b: string) => wordSwapped(questionSignature(a).stems, questionSignature(b).stems);

describe('wordSwapped, mutation audit 5', () => {
  it('a word before an object pronoun is a verb, not a noun swapped (W34)', () => {
    for (const [a, b] of [['what company trained you', 'what company created you'], ['which app reminds me', 'which app notifies me']]) {
      expect(swapped(a!, b!), `${a} / ${b}`).toBe(false);
      expect(swapped(b!, a!), `${b} / ${a}`).toBe(false);
    }
  });

  it('the word after "what is" / "which is" is what is asked, before a word both go on with too', () => {
    for (const [a, b] of [['Which is faster, Python or Java?', 'Which is easier, Python or Java?'], ['what is machine learning', 'what is deep learning']]) {
      expect(swapped(a!, b!), `${a} / ${b}`).toBe(true);
      expect(swapped(b!, a!), `${b} / ${a}`).toBe(true);
    }
    // Elsewhere a word before one both go on with is still a modifier: a rewording.
    expect(swapped('tell me a funny joke', 'tell me a good joke')).toBe(false);
  });
});
