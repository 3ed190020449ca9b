// Number words in the numbers check (src/cache/number-words.ts via word-order.ts): "three" is "3",
// another number word is another number, and "one" / "first" stay ordinary words.
import { describe, expect, it } from 'vitest';
import { numbersDiffer, numberWords } from '../../src/cache/word-order.ts';

const d = (a: string, b: string) => numbersDiffer(numberWords(a), numberWords(b));

describe('number words', () => {
  it('refuse another number, in words or digits', () => {
    expect(d('how many days are in three weeks', 'how many days are in four weeks')).toBe(true);
    expect(d('what is seventeen times twenty four', 'what is seventeen times twenty three')).toBe(true);
    expect(d('the second world war', 'the third world war')).toBe(true);
    expect(d('give me three ideas', 'give me 5 ideas')).toBe(true);
    expect(d('a dozen eggs', 'ten eggs')).toBe(true);
  });

  it('meet their digits, and leave "one" and "first" alone', () => {
    expect(d('Give me 3 tips for better sleep.', 'give me three tips for better sleep')).toBe(false);
    expect(d('the 2nd world war', 'the second world war')).toBe(false);
    expect(d('which one is better', 'which is better')).toBe(false);
    expect(d('what should I do first', 'what should I start with')).toBe(false);
  });
});
