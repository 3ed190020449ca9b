// The cache's opposite-ends check (src/cache/opposites.ts): two questions naming the two ends of a
// pair ("increase" / "decrease") are other questions, synonyms of one end and pairs one side does not
// name are not, and entries stored before the check are served as before.
import { describe, expect, it } from 'vitest';
import { polesOppose } from '../../src/cache/opposites.ts';
import { conflicts, questionSignature } from '../../src/cache/word-order.ts';

const oppose = (a: string, b: string) => polesOppose(questionSignature(a).poles, questionSignature(b).poles);

describe('polesOppose', () => {
  it('refuses the other end of a pair, both ways, in any inflection', () => {
    const pairs = [
      ['How do I increase my credit score?', 'How do I decrease my credit score?'],
      ['increasing the heap size', 'reducing the heap size'],
      ['What should I eat before a workout?', 'What should I eat after a workout?'],
      ['How do I turn on dark mode?', 'How do I turn off dark mode?'],
      ['Sort a dict by key', 'Sort a dict by value'],
      ['Why did the stock rise?', 'Why did the stock fall?'],
      ['Stopping a thread in python', 'Starting a thread in python'],
      ['Convert to UPPERCASE', 'convert to lower case'],
      ['Is it better to buy or rent?', 'Is it better to sell or rent?'],
      ['hypertension in adults', 'hypotension in adults'],
      ['How do I apply for a credit card?', 'How do I cancel a credit card?'],
      ['how do I join a gym', 'how do I quit a gym'],
      ['How much does it cost to buy a house?', 'How much does it cost to rent a house?'],
      ['What is the side effect of taking too much vitamin C?', 'What is the side effect of taking too little vitamin C?'],
      ['Which planet is closest to the sun?', 'Which planet is farthest from the sun?'],
      ['Why is the sky blue during the day?', 'Why is the sky red at sunset?'],
      ['best white wine with fish', 'best red wine with fish'],
      ['Is it safe to take ibuprofen on an empty stomach?', 'Is it safe to take ibuprofen on a full stomach?'],
    ];
    for (const [a, b] of pairs) {
      expect(oppose(a!, b!), `${a} / ${b}`).toBe(true);
      expect(oppose(b!, a!), `${b} / ${a}`).toBe(true);
    }
  });

  it('refuses one end against both ("increase" / "increase or decrease")', () => {
    expect(oppose('Does caffeine increase blood pressure?', 'Does caffeine increase or decrease blood pressure?')).toBe(true);
    expect(oppose('Does caffeine increase or decrease blood pressure?', 'Does caffeine raise or lower blood pressure?')).toBe(false);
  });

  it('groups of more ends: each other end refuses, the same ends do not', () => {
    expect(oppose('What to wear in summer?', 'What to wear in winter?')).toBe(true);
    expect(oppose('What to wear in summer?', 'What to wear in autumn?')).toBe(true);
    expect(oppose('Best foods to eat in the evening', 'Best foods to eat at night')).toBe(true);
    expect(oppose('What to wear in summer or winter?', 'What to wear in winter or summer?')).toBe(false);
    expect(oppose('when was the eiffel tower built', 'where was the eiffel tower built')).toBe(true);
    expect(oppose('when was the eiffel tower built', 'what year was the eiffel tower built')).toBe(false);
    expect(oppose('how old is the earth', 'what is the age of the earth')).toBe(false);
    expect(oppose('what is my name', 'what is your name')).toBe(true);
    expect(oppose('can you tell me my name', 'what is my name')).toBe(false);
  });

  it('reads my / your after a generic subject as whose it is: the subject\'s own or another\'s', () => {
    expect(oppose('How do I reset my password?', 'How do you reset your password?')).toBe(false);
    expect(oppose('how can I motivate myself', 'how can you motivate yourself')).toBe(false);
    expect(oppose('How do I reset your password?', 'How do you reset your password?')).toBe(true);
    expect(oppose('How do I reset my password?', 'How do you reset my password?')).toBe(true);
    expect(oppose('what should I buy my wife', 'what should I buy your wife')).toBe(true);
    // Against a question with no generic subject, my / your are read as before.
    expect(oppose('How do you reset your password?', 'what is my password')).toBe(true);
    expect(oppose('How do I reset my password?', 'what is my password')).toBe(false);
  });

  it('accepts synonyms of one end, and pairs only one question names', () => {
    expect(oppose('How can I raise my savings rate?', 'How can I increase my savings rate?')).toBe(false);
    expect(oppose('How do I increase my credit score?', 'How do I improve my credit score?')).toBe(false);
    expect(oppose('What is the capital of France?', 'Tell me the capital of France')).toBe(false);
    expect(oppose('Best way to add a column?', 'Best way to add a column?')).toBe(false);
  });

  it('never refuses without both signatures (entries stored before the check)', () => {
    expect(polesOppose(undefined, questionSignature('increase').poles)).toBe(false);
    expect(polesOppose(questionSignature('increase').poles, undefined)).toBe(false);
    expect(polesOppose([], questionSignature('decrease').poles)).toBe(false);
    const old = { order: questionSignature('How do I increase my credit score?').order };
    expect(conflicts(old, questionSignature('How do I decrease my credit score?'))).toBe(false);
  });

  it('is part of conflicts()', () => {
    const stored = questionSignature('When is the best time to buy a car?');
    expect(conflicts(stored, questionSignature('When is the best time to sell a car?'))).toBe(true);
    expect(conflicts(stored, questionSignature('when is the best time to buy a car'))).toBe(false);
  });
});
