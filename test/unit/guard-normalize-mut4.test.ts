// Mutation audit 4 of src/guard/normalize.ts: guardText decomposes (NFKD) to drop marks on Latin
// letters, then composes again (NFKC). Without the second step (mutant N10) every precomposed letter
// of another script reached the pack decomposed: Korean syllables as jamo, й as и + breve, Greek
// accents and Japanese voiced kana as base letter + mark, n-grams the pack never saw in training,
// while the model reads the text as written. Text in those scripts must fold to itself.
import { describe, expect, it } from 'vitest';
import { guardText } from '../../src/guard/normalize.ts';

describe('guardText composes what it decomposed (mutation audit 4)', () => {
  it.each([
    ['Cyrillic with й', 'Привет, как дела? Мой район рядом.'],
    ['Greek with accents', 'Καλημέρα, τι κάνεις;'],
    ['Korean syllables', '안녕하세요, 반갑습니다'],
    ['Japanese voiced kana', 'こんにちは、がぎぐげご'],
  ])('%s folds to itself', (_, text) => {
    expect(guardText(text)).toBe(text);
  });

  it('in a text folded in pieces (past 64 Ki characters) too', () => {
    const text = '안녕하세요, 반갑습니다. '.repeat(6_000);
    expect(text.length).toBeGreaterThan(65_536);
    expect(guardText(text)).toBe(text);
  });

  it('a Latin word loses its accents and is composed (café -> cafe, ﬁ ligature -> fi)', () => {
    expect(guardText('café naïve ﬁne')).toBe('cafe naive fine');
  });
});
