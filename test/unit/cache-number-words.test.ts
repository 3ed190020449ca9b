// Number words in the numbers check (src/cache/number-words.ts via word-order.ts): "three" is "3",
// another number word is another number, and "one" / "first" stay ordinary words; "twice" is the
// multiple "2 times" / "2x" ("twice a day", "twice as big"), not the count "two".
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

  it('read "twice" and "N times" before a word as one multiple, "N times M" as a product', () => {
    expect(d('should I water my plants twice a day', 'should I water my plants 2 times a day')).toBe(false);
    expect(d('is it ok to take ibuprofen twice a day', 'is it ok to take ibuprofen two times a day')).toBe(false);
    expect(d('is a cheetah twice as fast as a lion', 'is a cheetah 2x as fast as a lion')).toBe(false);
    expect(d('is a cheetah twice as fast as a lion', 'is a cheetah two times as fast as a lion')).toBe(false);
    expect(d('thrice a week', '3 times a week')).toBe(false);
    expect(d('it costs twice as much', 'it costs 2 times')).toBe(false);
    // A multiple is not the count it multiplies, nor another multiple.
    expect(d('check if a number is one less than twice its reverse', 'find the maximum of two numbers')).toBe(true);
    expect(d('is twice a week enough exercise', 'is three times a week enough exercise')).toBe(true);
    expect(d('take two pills twice a day', 'take two pills two times a day')).toBe(false);
    expect(d('what is 2 times 8', 'what is 2x 8')).toBe(true);
  });

  it('meet their digits, and leave "one" and "first" alone', () => {
    expect(d('Give me 3 tips for better sleep.', 'give me three tips for better sleep')).toBe(false);
    expect(d('the 2nd world war', 'the second world war')).toBe(false);
    expect(d('which one is better', 'which is better')).toBe(false);
    expect(d('what should I do first', 'what should I start with')).toBe(false);
  });
});
