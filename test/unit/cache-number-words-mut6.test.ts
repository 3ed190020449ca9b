// Mutation audit 6 of 96a4ff9 ("N times" before a word is a multiple, "17 times 23" a product): a number
// WORD after "times" is a number too, so "7 times eight" is the product of "7 times 8" and meets it
// (reading it as the multiple "7x" sent the same question upstream: no test failed without the check).
import { describe, expect, it } from 'vitest';
import { numbersDiffer, numberWords } from '../../src/cache/word-order.ts';

const d = (a: string, b: string) => numbersDiffer(numberWords(a), numberWords(b));

describe('"N times" before a number word', () => {
  it('is a product, as before digits', () => {
    expect(d('what is 7 times eight', 'what is 7 times 8')).toBe(false);
    expect(d('what is seven times 8', 'what is 7 times eight')).toBe(false);
    expect(d('what is 7 times eight', 'what is 7 times nine')).toBe(true);
  });
});
