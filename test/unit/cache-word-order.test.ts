// The cache's word-order check (src/cache/word-order.ts) and the index's accept filter: a twin with the
// same words in another order is refused, a rewording is not, and the best accepted entry wins.
import { describe, expect, it } from 'vitest';
import { conflicts, numbersDiffer, numberWords, questionSignature, reordered, wordOrder } from '../../src/cache/word-order.ts';
import { VectorIndex } from '../../src/cache/vector-index.ts';
import { questionMarks } from '../../src/cache/question-marks.ts';

const r = (a: string, b: string) => reordered(wordOrder(a), wordOrder(b));

describe('reordered', () => {
  it('refuses swaps of the same words, both ways', () => {
    expect(r('Should I convert my traditional IRA to a Roth IRA?', 'Should I convert my Roth IRA to a traditional IRA?')).toBe(true);
    expect(r('Translate hello from French to English', 'Translate hello from English to French')).toBe(true);
    expect(r('integral of x^3 from 0 to 2', 'integral of x^2 from 0 to 3')).toBe(true);
    // one word more on one side still counts as nearly the same words
    expect(r('Should I convert my Roth IRA into a traditional IRA now?', 'Should I convert my traditional IRA into a Roth IRA?')).toBe(true);
  });

  it('accepts the same question however cased or punctuated, and rewordings', () => {
    expect(r('What is cognitive dissonance?', 'what is   COGNITIVE dissonance')).toBe(false);
    expect(r('What is cognitive dissonance?', 'What does cognitive dissonance mean?')).toBe(false);
    expect(r('What is cognitive dissonance?', 'Can you explain cognitive dissonance?')).toBe(false);
    expect(r('a b c d e f g h i j', 'a b c x y z q r s t')).toBe(false);
    // function words moved, the words that carry meaning in the same order
    expect(r('what state were you born in', 'in what state were you born')).toBe(false);
    expect(r('tell me who your boss is', 'tell me who is your boss')).toBe(false);
    // ... but a direction word is not one of them
    expect(r('convert a list to a string', 'convert a string to a list')).toBe(true);
    expect(r('distance to Paris from Rome', 'distance to Rome from Paris')).toBe(true);
  });

  it('never refuses without both signatures (entries stored before the check) or for empty texts', () => {
    expect(reordered(undefined, wordOrder('a b'))).toBe(false);
    expect(reordered(wordOrder('a b'), undefined)).toBe(false);
    expect(reordered([], wordOrder('a b'))).toBe(false);
    expect(wordOrder('🙂 !!')).toEqual([]);
  });

  it('keeps at most 48 words, in order', () => {
    const w = wordOrder(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '));
    expect(w).toHaveLength(48);
    expect(w[0]).toBe(wordOrder('w0')[0]);
  });
});

describe('numbersDiffer', () => {
  const d = (a: string, b: string) => numbersDiffer(numberWords(a), numberWords(b));
  it('refuses a changed, added or dropped number, and digit-bearing words alike', () => {
    expect(d('What is 17 times 23?', 'What is 17 times 24?')).toBe(true);
    expect(d('What is 17 times 23?', 'What is 17 times 23 times 2?')).toBe(true);
    expect(d('Convert 250 USD to EUR', 'Convert USD to EUR')).toBe(true);
    expect(d('Who wrote book 2?', 'Who wrote book 1?')).toBe(true);
    expect(d('show sunflower1', 'show sunflower2')).toBe(true);
    expect(d('Is ٩٧ prime?', 'Is ٩١ prime?')).toBe(true); // any script's digits
  });
  it('accepts the same numbers in any order or wording, and questions without numbers', () => {
    expect(d('What is 17 times 23?', 'Multiply 23 by 17')).toBe(false);
    expect(d('What is cognitive dissonance?', 'Define cognitive dissonance')).toBe(false);
    expect(numbersDiffer(undefined, numberWords('17'))).toBe(false);
  });
});

describe('names', () => {
  const c = (stored: string, q: string) => conflicts(questionSignature(stored), questionSignature(q));
  it('refuses a question naming another place, language or product, both ways', () => {
    expect(c('Translate good morning into Spanish.', 'Translate good morning into French.')).toBe(true);
    expect(c('What is the weather like in Paris today?', 'What is the weather like in Rome today?')).toBe(true);
    expect(c('Explain the difference between TCP and UDP.', 'Explain the difference between TCP and QUIC.')).toBe(true);
    expect(c('What is the weather like today?', 'What is the weather like in Rome today?')).toBe(true);
    expect(c('What is the weather like in Rome today?', 'What is the weather like today?')).toBe(true);
    // One capital letter names too
    expect(c('Should I take vitamin D in the morning?', 'Should I take vitamin C in the morning?')).toBe(true);
    expect(c('How do I run an R script from the shell?', 'How do I run a script from the shell?')).toBe(true);
  });
  it('accepts the same names in any case, sentence openers and rewordings', () => {
    expect(c('What is the weather like in Paris today?', 'what is the weather like in paris today')).toBe(false);
    expect(c('what is the weather like in paris today', 'How is the weather in Paris today?')).toBe(false);
    expect(c('Hello. Can you tell me a joke?', 'hello, can you tell me a joke')).toBe(false);
    // "I" is a word, not a name, nor is the article "A" of a title-cased question
    expect(c('Can I freeze cooked rice?', 'Is it safe to freeze cooked rice?')).toBe(false);
    expect(c('What Is A Good Name For A Dog?', 'what is a good name for a dog')).toBe(false);
    expect(c('Should I take vitamin D daily?', 'should i take vitamin d daily')).toBe(false);
  });
  it('never refuses against an entry without names (stored before they were kept) or past the words kept', () => {
    const old = { order: questionSignature('Translate good morning into Spanish.').order };
    expect(conflicts(old, questionSignature('Translate good morning into French.'))).toBe(false);
    const long = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    expect(c(`${long} Paris`, `${long} Rome`)).toBe(false);
  });
});

describe('signs and negations', () => {
  const c = (stored: string, q: string) => conflicts(questionSignature(stored), questionSignature(q));
  it('refuses another sign, an added or dropped one, and a negation', () => {
    expect(c('Compute 12/4', 'Compute 12*4')).toBe(true);
    expect(c('What is 10% of 50?', 'What is 10 of 50?')).toBe(true);
    expect(c('Is 5 ≥ 3?', 'Is 5 ≤ 3?')).toBe(true);
    expect(c('Should I buy it?', 'Should I not buy it?')).toBe(true);
    expect(c('Is it safe?', "Isn't it safe?")).toBe(true);
    // A negating prefix
    expect(c('Is it safe to drink coffee while pregnant?', 'Is it unsafe to drink coffee while pregnant?')).toBe(true);
    expect(c('Is this plant toxic to cats?', 'Is this plant non-toxic to cats?')).toBe(true);
  });
  it('accepts the same ones in other words, and hyphens or slashes inside words', () => {
    expect(c("Don't I need a visa?", 'do i not need a visa')).toBe(false); // one negation each
    expect(c('Is it unsafe to swim after eating?', 'is it not safe to swim after eating')).toBe(false);
    // un- words that deny nothing
    for (const w of ['understand', 'under', 'university', 'unit', 'unique', 'until', 'unless', 'unto']) expect(questionMarks(w, [w]), w).toEqual([]);
    expect(c('how do I understand recursion', 'how can I learn recursion')).toBe(false);
    expect(c('Is a well-known brand and/or a startup better?', 'is a well known brand or a startup better')).toBe(false);
    expect(c('- eggs\n- milk: what can I bake?', 'eggs, milk: what can I bake?')).toBe(false);
    const old = { order: questionSignature('Compute 12/4').order };
    expect(conflicts(old, questionSignature('Compute 12*4'))).toBe(false); // stored before marks were kept
  });
});

describe('VectorIndex.search with accept', () => {
  it('returns the best row the filter takes, not merely the best row', () => {
    const idx = new VectorIndex<string>({ dimensions: 4, maxEntries: 10, eviction: 'fifo' });
    idx.insert('a', 'p', Float32Array.of(1, 0, 0, 0), 'first', Infinity, 0);
    idx.insert('b', 'p', Float32Array.of(0.96, 0.28, 0, 0), 'second', Infinity, 0);
    const q = Float32Array.of(1, 0, 0, 0);
    expect(idx.search('p', q, 0.9, 1)?.value).toBe('first');
    expect(idx.search('p', q, 0.9, 1, (v) => v !== 'first')?.value).toBe('second');
    expect(idx.search('p', q, 0.9, 1, () => false)).toBeUndefined();
  });
});
