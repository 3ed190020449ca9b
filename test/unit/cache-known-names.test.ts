// Names in lower case (src/cache/known-names.ts): a language, place or programming language counts
// as a name whatever its case, so the other question must hold it; other lower-case words do not.
import { describe, expect, it } from 'vitest';
import { nameMissing, questionSignature } from '../../src/cache/word-order.ts';

const missing = (a: string, b: string) => {
  const s = questionSignature(a), q = questionSignature(b);
  return nameMissing(s.names, q.order) || nameMissing(q.names, s.order);
};

describe('known names in lower case', () => {
  it('refuses another language, country, city or programming language', () => {
    expect(missing('translate i love you to german', 'translate i love you to french')).toBe(true);
    expect(missing('what is the currency of japan', 'what is the currency of china')).toBe(true);
    expect(missing('flights from new york to london', 'flights from new york to paris')).toBe(true);
    expect(missing('write a bubble sort in python', 'write a bubble sort in rust')).toBe(true);
    // at a sentence's start too, where a capital says nothing
    expect(missing('Spanish or Portuguese: which is easier?', 'French or Portuguese: which is easier?')).toBe(true);
  });

  it('accepts the same name in any case, and lower-case words that are no names', () => {
    expect(missing('translate i love you to german', 'Translate "I love you" to German.')).toBe(false);
    expect(missing('how do i bake bread', 'how can i bake some bread')).toBe(false);
  });
});
